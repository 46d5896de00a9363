// The malformed-input battery for histories and --init values: valid files in all four
// formats, each mutated systematically (tests/support/mutations.hpp), through what
// `faultline check` does (read, choose the model, check on a work budget). Every case must
// end in a result or in an error that names the file and the line (or the JSON path);
// those no format can accept must be errors; none may crash or hang. A sample also runs
// through the command itself, for its exit status and message.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <checker/checker.hpp>
#include <checker/history_io.hpp>

#include "mutations.hpp"

namespace ck = faultline::checker;

namespace {

struct Sample {
  const char* name;  // the file name errors must carry
  ck::HistoryFormat format;
  const char* text;
};

const Sample kSamples[] = {
    {"battery.jsonl", ck::HistoryFormat::jsonl,
     "{\"format\":\"faultline-history\",\"version\":1}\n"
     "{\"process\":0,\"type\":\"invoke\",\"f\":\"put\",\"key\":\"x\",\"value\":\"a\",\"time\":10}\n"
     "{\"process\":1,\"type\":\"invoke\",\"f\":\"get\",\"key\":\"x\",\"time\":11}\n"
     "{\"process\":0,\"type\":\"ok\",\"f\":\"put\",\"key\":\"x\",\"value\":\"a\",\"time\":12}\n"
     "{\"process\":1,\"type\":\"ok\",\"value\":\"a\",\"time\":13}\n"
     "{\"process\":2,\"type\":\"invoke\",\"f\":\"append\",\"key\":\"y\",\"value\":\"b\",\"time\":"
     "14}\n"
     "{\"process\":2,\"type\":\"info\",\"time\":15}\n"
     "{\"process\":3,\"type\":\"invoke\",\"f\":\"cas\",\"key\":\"x\",\"value\":[\"a\",\"c\"],"
     "\"time\":16}\n"
     "{\"process\":3,\"type\":\"fail\",\"time\":17}\n"
     "{\"process\":4,\"type\":\"invoke\",\"f\":\"put\",\"key\":\"z\",\"value\":{\"n\":[1,2.5,null,"
     "true]},\"time\":18}\n"
     "{\"process\":4,\"type\":\"ok\",\"time\":19}\n"},
    {"battery.edn", ck::HistoryFormat::edn,
     "[{:process 0, :type :invoke, :f :write, :value 1, :time 50}\n"
     " {:process :nemesis, :type :info, :f :start, :value nil}\n"
     " {:process 1, :type :invoke, :f :read, :value nil, :time 10}\n"
     " {:process 0, :type :ok, :f :write, :value 1, :index 7}\n"
     " {:process 1, :type :ok, :f :read, :value 1}\n"
     " {:process 2, :type :invoke, :f :cas, :value [1 2]}\n"
     " {:process 2, :type :fail, :f :cas, :value [1 2], :error \"no\"}]\n"},
    {"battery-lines.edn", ck::HistoryFormat::edn,
     "{:process 0 :type :invoke :f :txn :value [[:write :x 1] [:read :y nil]]}\n"
     "{:process 0 :type :ok :f :txn :value [[:write :x 1] [:read :y nil]]}\n"
     "{:process 1 :type :invoke :f :txn :value [[:read :x nil]]}\n"
     "{:process 1 :type :ok :f :txn :value [[:read :x 1]]}\n"},
    {"battery.txt", ck::HistoryFormat::porcupine,
     "{:process 0, :type :invoke, :f :put, :key \"1\", :value \"x 0 0 y\"}\n"
     "{:process 1, :type :invoke, :f :get, :key \"1\", :value nil}\n"
     "{:process 1, :type :ok, :f :get, :key \"1\", :value \"\"}\n"
     "{:process 0, :type :ok, :f :put, :key \"1\", :value nil}\n"
     "{:process 2, :type :invoke, :f :append, :key \"2\", :value \"x 2 1 y\"}\n"
     "{:process 2, :type :ok, :f :append, :key \"2\", :value nil}\n"},
    {"battery.log", ck::HistoryFormat::jepsen_log,
     "INFO  jepsen.util - 3\t:invoke\t:cas\t[1 4]\n"
     "INFO  jepsen.util - 7   :invoke   :read   nil\n"
     "INFO  jepsen.util - 3\t:fail\t:cas\t[1 4]\n"
     "INFO  jepsen.util - 7\t:ok\t:read\tnil\n"
     "INFO  jepsen.util - :nemesis\t:info\t:start\tnil\n"
     "INFO  jepsen.util - 2\t:invoke\t:write\t3\n"
     "INFO  jepsen.util - 2\t:info\t:write\tindeterminate: Read timed out\n"},
};

struct Outcome {
  bool accepted = false;
  std::string message;  // the error, when refused
};

// What `faultline check` does with the text, on a small work budget.
Outcome check_text(const Sample& sample, const std::string& text) {
  auto file = ck::parse_history(text, sample.name, sample.format);
  if (!file) return {false, file.error().message()};
  auto model = ck::make_model(file->default_model.value_or(ck::infer_model(file->history)),
                              file->default_init, file->model_options);
  if (!model) return {false, model.error().message()};
  ck::CheckOptions options;
  options.max_configurations = 10000;
  options.threads = 1;
  auto result = ck::check(file->history, **model, options);
  if (!result) return {false, result.error().message()};
  return {true, {}};
}

// The digits at text[at...], or 0 of them.
std::size_t digits_at(const std::string& text, std::size_t at) {
  std::size_t end = at;
  while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
  return end - at;
}

// An error is located when it names the file and a line ("name:12: ..." or
// "name:12:5: ..."), or the model's complaint names the line ("line 12: ..."); an error
// about the file as a whole (it holds no operations) names the file.
bool located(const std::string& message, const std::string& name) {
  if (message.rfind("line ", 0) == 0) return digits_at(message, 5) > 0;
  if (message.rfind(name + ": no operations to check: ", 0) == 0) return true;
  if (message.rfind(name + ":", 0) != 0) return false;
  const std::size_t line = name.size() + 1;
  return digits_at(message, line) > 0;
}

// Our own format knows every field an event holds: one it does not know is refused. (A
// field added to an object inside a value is just part of the value.)
bool event_field_added(const Sample& sample, const faultline::testing::Mutation& m) {
  const std::string prefix = "unknown field in the object at byte ";
  if (m.name.rfind(prefix, 0) != 0) return false;
  const std::size_t at = std::stoul(m.name.substr(prefix.size()));
  return at == 0 || sample.text[at - 1] == '\n';
}

}  // namespace

TEST_CASE("battery: every mutation of a valid history is a result or a located error") {
  std::size_t cases = 0, refused = 0;
  for (const Sample& sample : kSamples) {
    CAPTURE(std::string(sample.name));
    REQUIRE_MESSAGE(check_text(sample, sample.text).accepted,
                    check_text(sample, sample.text).message);
    for (const faultline::testing::Mutation& m : faultline::testing::mutations(sample.text)) {
      CAPTURE(m.name);
      const Outcome outcome = check_text(sample, m.text);
      ++cases;
      if (outcome.accepted) {
        CHECK_FALSE(m.must_fail);
        CHECK_FALSE((sample.format == ck::HistoryFormat::jsonl && event_field_added(sample, m)));
        continue;
      }
      ++refused;
      CHECK_MESSAGE(located(outcome.message, sample.name), outcome.message);
      CHECK_MESSAGE(outcome.message.find("json.exception") == std::string::npos, outcome.message);
    }
  }
  MESSAGE(cases << " mutated histories, " << refused << " refused");
  CHECK(cases >= 1500);
  CHECK(refused >= 800);
}

TEST_CASE("battery: every mutation of a valid --init value is a value or an error") {
  const char* values[] = {"{\"x\":0,\"y\":[1,2.5,\"s\",null,true]}", "{:x 0, :y #{1 2} :z \"s\"}",
                          "[1 2 3]", "\"\""};
  std::size_t refused = 0;
  for (const char* value : values) {
    REQUIRE(ck::parse_value_text(value).ok());
    for (const faultline::testing::Mutation& m : faultline::testing::mutations(value)) {
      CAPTURE(m.name);
      auto parsed = ck::parse_value_text(m.text);
      if (parsed) {
        CHECK_FALSE(m.must_fail);
        continue;
      }
      ++refused;
      CHECK(!parsed.error().what.empty());
      CHECK(parsed.error().what.find("json.exception") == std::string::npos);
    }
  }
  CHECK(refused >= 50);
}

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("battery: a sample through the command exits 2 naming the file and the line") {
  namespace fs = std::filesystem;
  const fs::path dir =
      fs::temp_directory_path() / ("faultline-battery-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::size_t run = 0;
  for (const Sample& sample : kSamples) {
    std::size_t k = 0;
    for (const faultline::testing::Mutation& m : faultline::testing::mutations(sample.text)) {
      if (!m.must_fail || k++ % 25 != 0) continue;  // every 25th case no format accepts
      const std::string path = (dir / sample.name).string();
      std::ofstream(path, std::ios::binary) << m.text;
      const std::string err = (dir / "err.txt").string();
      const std::string command = std::string(FAULTLINE_BINARY_DIR) + "/faultline check " + path +
                                  " --format " + std::string(ck::to_string(sample.format)) +
                                  " --json >/dev/null 2>" + err;
      const int raw = std::system(command.c_str());
      CAPTURE(m.name);
      CHECK(WIFEXITED(raw));
      CHECK(WEXITSTATUS(raw) == 2);
      const std::string said = slurp(err);
      CHECK_MESSAGE(said.rfind("faultline check: " + path + ":", 0) == 0, said);
      ++run;
    }
  }
  fs::remove_all(dir);
  CHECK(run >= 30);
}
