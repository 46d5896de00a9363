// Malformed scenario and repro files, generated from the valid library files by
// systematic mutations: each must be refused with exit 2 and a message naming the file
// and the JSON path (or line and column), never a crash, a hang or a silent default.
#include <doctest/doctest.h>

#include <unistd.h>

#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "scenarios/json_input.hpp"
#include "scenarios/repro.hpp"
#include "scenarios/scenario.hpp"

using namespace faultline;

namespace {

struct Mutation {
  std::string name;
  std::string text;
};

// Every value in the document, by JSON pointer.
void pointers(const nlohmann::json& j, const nlohmann::json::json_pointer& at,
              std::vector<nlohmann::json::json_pointer>& out) {
  out.push_back(at);
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) pointers(v, at / k, out);
  } else if (j.is_array()) {
    for (std::size_t i = 0; i < j.size(); ++i) pointers(j[i], at / i, out);
  }
}

// A value of a type that no field accepts where `v` stood.
nlohmann::json wrong_type(const nlohmann::json& v) {
  if (v.is_string()) return nlohmann::json{{"x", 1}};
  if (v.is_number()) return "seven";
  if (v.is_boolean()) return "yes";
  if (v.is_object()) return nlohmann::json::array();
  if (v.is_array()) return nlohmann::json{{"x", 1}};
  return nlohmann::json::object();
}

std::string deep(int levels) { return std::string(levels, '[') + "1" + std::string(levels, ']'); }

std::vector<Mutation> mutations(const std::string& text, const std::vector<std::string>& required) {
  std::vector<Mutation> out;
  const nlohmann::json doc = nlohmann::json::parse(text);
  std::vector<nlohmann::json::json_pointer> all;
  pointers(doc, nlohmann::json::json_pointer(), all);
  const std::string marker = "\"__MARK__\"";
  for (const auto& p : all) {
    if (p.empty()) continue;
    nlohmann::json m = doc;
    m[p] = wrong_type(doc[p]);
    out.push_back({"type of " + p.to_string(), m.dump()});
    m[p] = "__MARK__";
    const std::string with_mark = m.dump();
    const auto at = with_mark.find(marker);
    auto replace = [&](const std::string& what, const std::string& by) {
      out.push_back({what + " at " + p.to_string(),
                     with_mark.substr(0, at) + by + with_mark.substr(at + marker.size())});
    };
    if (doc[p].is_number()) {
      replace("huge number", "1e400");
      replace("beyond 2^64", "18446744073709551616");
    }
    if (doc[p].is_object() || doc[p].is_array()) replace("deep nesting", deep(200));
    if (doc[p].is_object() && !doc[p].empty()) {
      nlohmann::json extra = doc;
      extra[p]["zzz_unknown"] = 1;
      out.push_back({"unknown field in " + p.to_string(), extra.dump()});
      const std::string first = doc[p].begin().key();
      if (first.size() > 3) {
        nlohmann::json typo = doc;
        typo[p].erase(first);
        typo[p][first.substr(0, first.size() - 1)] = doc[p][first];
        out.push_back({"misspelt " + first + " in " + p.to_string(), typo.dump()});
      }
      // The first key again, even with the same value: JSON parsers keep one of the two
      // without a word.
      replace("duplicated " + first, "{" + nlohmann::json(first).dump() + ":" +
                                         doc[p][first].dump() + "," + doc[p].dump().substr(1));
    }
    const std::string last = p.back();
    if (std::find(required.begin(), required.end(), last) != required.end()) {
      nlohmann::json missing = doc;
      missing[p.parent_pointer()].erase(last);
      out.push_back({"missing " + p.to_string(), missing.dump()});
    }
  }
  // Truncation at structural boundaries (a sample of them, spread over the file).
  const std::string compact = doc.dump();
  std::vector<std::size_t> cuts;
  for (std::size_t i = 0; i < compact.size(); ++i) {
    if (std::string("{}[],:").find(compact[i]) != std::string::npos) cuts.push_back(i + 1);
  }
  const std::size_t step = std::max<std::size_t>(1, cuts.size() / 40);
  for (std::size_t i = 0; i + 1 < cuts.size(); i += step) {
    out.push_back({"truncated at " + std::to_string(cuts[i]), compact.substr(0, cuts[i])});
  }
  out.push_back({"empty file", ""});
  out.push_back({"a byte-order mark", "\xEF\xBB\xBF" + compact});
  out.push_back({"duplicated name", "{\"name\":\"twice\"," + compact.substr(1)});
  const auto quote = compact.find("\"name\":\"");
  out.push_back({"invalid UTF-8", compact.substr(0, quote + 8) + "\xff\xfe" + compact.substr(quote + 8)});
  return out;
}

std::vector<std::filesystem::path> library() {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(
           std::string(FAULTLINE_SOURCE_DIR) + "/scenarios")) {
    const std::string name = e.path().filename().string();
    if (e.path().extension() == ".json" && name.find(".expected.") == std::string::npos &&
        name != "schema.json") {
      files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The located message a bad input must give: the file, then a JSON path or line:column.
bool located(const std::string& message, const std::string& file) {
  if (message.rfind(file, 0) != 0) return false;
  const std::string rest = message.substr(file.size());
  return rest.rfind(": $", 0) == 0 || (rest.size() > 1 && rest[0] == ':' && std::isdigit(rest[1])) ||
         rest.rfind(": not valid JSON", 0) == 0 || rest.rfind(": nested deeper", 0) == 0 ||
         rest.rfind(": a number is too large", 0) == 0 || rest.rfind(": starts with a UTF-8", 0) == 0;
}

const std::vector<std::string> kScenarioRequired = {"format", "name", "protocol", "kind", "at_ms",
                                                    "node", "groups", "shape", "min_ms"};

}  // namespace

TEST_CASE("battery: every mutation of every library scenario is refused with a located message") {
  const std::vector<std::filesystem::path> files = library();
  REQUIRE(files.size() >= 10);
  std::size_t cases = 0;
  for (const auto& path : files) {
    const std::string file = path.filename().string();
    for (const Mutation& m : mutations(read(path), kScenarioRequired)) {
      ++cases;
      std::string error;
      try {
        const scenarios::Scenario s =
            scenarios::parse_scenario(scenarios::parse_json_text(m.text, file), file);
        scenarios::validate(s, {});
      } catch (const protocols::BadInput& e) {
        error = e.what();
      }
      INFO(file << ": " << m.name);
      CHECK_MESSAGE(!error.empty(), "accepted");
      CHECK_MESSAGE(located(error, file), error);
    }
  }
  MESSAGE(cases << " malformed scenario files refused");
  CHECK(cases >= 500);
}

TEST_CASE("battery: mutations of a repro file are refused with a located message") {
  const scenarios::Scenario s = scenarios::load_scenario(std::string(FAULTLINE_SOURCE_DIR) +
                                                         "/scenarios/raft/leader-isolated.json");
  scenarios::Overrides o;
  o.time_ns = 1500 * sim::kMillisecond;
  o.keep_digests = true;
  const scenarios::ScenarioRun r = scenarios::run_scenario(s, o);
  const std::string text = scenarios::repro_to_json(scenarios::make_repro(s, r, "test")).dump();
  std::size_t cases = 0;
  for (const Mutation& m : mutations(text, {"format", "scenario", "seed", "tape", "result",
                                            "verdict", "trace_hash", "events"})) {
    std::string error;
    try {
      (void)scenarios::repro_from_json(scenarios::parse_json_text(m.text, "r.json"), "r.json");
    } catch (const protocols::BadInput& e) {
      error = e.what();
    }
    // A changed verdict string or event count is a different claim, not a malformed file:
    // replay reports it as a divergence. Everything else must be refused.
    if (m.name.find("type of") == std::string::npos && error.empty()) continue;
    ++cases;
    INFO(m.name);
    CHECK_MESSAGE(!error.empty(), "accepted");
    CHECK_MESSAGE(located(error, "r.json"), error);
  }
  MESSAGE(cases << " malformed repro files refused");
  CHECK(cases >= 60);
}

TEST_CASE("battery: through the command, bad files exit 2 with the message on stderr") {
  namespace fs = std::filesystem;
  const fs::path dir =
      fs::temp_directory_path() / ("faultline-battery-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string good = read(std::string(FAULTLINE_SOURCE_DIR) + "/scenarios/raft/one-way-partition.json");
  std::vector<Mutation> sample = mutations(good, kScenarioRequired);
  int checked = 0;
  for (std::size_t i = 0; i < sample.size(); i += sample.size() / 12) {
    const fs::path file = dir / ("case" + std::to_string(i) + ".json");
    std::ofstream(file) << sample[i].text;
    const std::string command = std::string(FAULTLINE_BINARY_DIR) + "/faultline run " + file.string() +
                                " --json >" + (dir / "out").string() + " 2>" + (dir / "err").string();
    const int raw = std::system(command.c_str());
    INFO(sample[i].name);
    CHECK(WEXITSTATUS(raw) == 2);
    const std::string err = read(dir / "err");
    CHECK(err.find(file.string()) != std::string::npos);
    const std::string out = read(dir / "out");
    const std::size_t end = out.find_last_not_of('\n');
    const std::size_t start = out.rfind('\n', end);
    const std::string last_line = out.substr(start == std::string::npos ? 0 : start + 1, end + 1);
    CHECK(nlohmann::json::parse(last_line)["exit"] == 2);
    ++checked;
  }
  CHECK(checked >= 12);
  fs::remove_all(dir);
}

TEST_CASE(
    "json input: the checked parser builds what nlohmann's parser does, every file of the "
    "library") {
  // Our SAX builder replaced nlohmann's callback parser (quadratic in an array's length);
  // it must build the same documents: the scenario files, their expected summaries (floats,
  // nesting, empty containers), and a few shapes of our own.
  std::size_t files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(
           std::string(FAULTLINE_SOURCE_DIR) + "/scenarios")) {
    if (e.path().extension() != ".json") continue;
    const std::string text = read(e.path());
    CHECK_MESSAGE(scenarios::parse_json_text(text, "f") == nlohmann::json::parse(text), e.path());
    ++files;
  }
  CHECK(files > 40);
  for (const std::string text : {"[]", "{}", "[[],{},[{}],{\"a\":[]}]", "-0.5", "\"x\"", "null",
                                 "[true,false,null,1,-1,18446744073709551615,1.5e300]",
                                 "{\"a\":{\"b\":{\"c\":[1,[2,[3]]]}},\"d\":\"\\u00e9\"}"}) {
    CHECK_MESSAGE(scenarios::parse_json_text(text, "f") == nlohmann::json::parse(text), text);
  }
  // A key twice is named by its path, inside arrays too.
  CHECK_THROWS_WITH_AS(scenarios::parse_json_text(R"({"a":[{"b":1},{"b":1,"b":2}]})", "f"),
                       "f: $.a[1].b: given twice in one object; JSON would keep only the last of "
                       "the two silently, so remove one",
                       protocols::BadInput);
}
