// `faultline check` end to end: exit statuses, the --json line, the HTML page, and errors
// that name the file, the line and the flag.
#include <doctest/doctest.h>

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <checker/checker.hpp>
#include <nlohmann/json.hpp>
#include "faultline_testdata.hpp"

namespace {

struct Run {
  int status = -1;
  std::string out;
  std::string err;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::filesystem::path scratch() {
  auto dir =
      std::filesystem::temp_directory_path() / ("faultline-check-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  return dir;
}

Run run_faultline(const std::string& args) {
  auto dir = scratch();
  std::string out = (dir / "out.txt").string();
  std::string err = (dir / "err.txt").string();
  std::string command =
      std::string(FAULTLINE_BINARY_DIR) + "/faultline " + args + " >" + out + " 2>" + err;
  int raw = std::system(command.c_str());
  Run run;
  run.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  run.out = slurp(out);
  run.err = slurp(err);
  return run;
}

std::string testdata(const std::string& path) {
  return faultline::testing::testdata_path(path);
}

nlohmann::json last_line_json(const std::string& out) {
  std::string text = out;
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return nlohmann::json::parse(text.substr(text.rfind('\n') + 1));
}

std::string write_file(const std::string& name, const std::string& text) {
  auto path = scratch() / name;
  std::ofstream(path) << text;
  return path.string();
}

}  // namespace

TEST_CASE("cli: a linearizable history exits 0 and --json ends the output") {
  Run r = run_faultline("check " + testdata("porcupine-kv/c10-ok.txt") + " --json");
  CHECK(r.status == 0);
  auto summary = last_line_json(r.out);
  CHECK(summary["verdict"] == "linearizable");
  CHECK(summary["model"] == "kv");
  CHECK(summary["ops"] == 337);
  CHECK(summary["partitions"] == 10);
  CHECK(summary["elapsed_ms"].is_number());
  CHECK(r.err.empty());  // progress goes to stderr only on a terminal
}

TEST_CASE("cli: not linearizable exits 1 and explains, --html writes the page") {
  std::string html = (scratch() / "page.html").string();
  Run r = run_faultline("check " + testdata("knossos/cas-register/bad/rethink-fail-minimal.edn") +
                        " --html " + html + " --json");
  CHECK(r.status == 1);
  CHECK(last_line_json(r.out)["verdict"] == "not_linearizable");
  CHECK(r.out.find("process 1: read → 3") != std::string::npos);
  std::string page = slurp(html);
  CHECK(page.find("<svg") != std::string::npos);
  CHECK(page.find("stuck") != std::string::npos);
  // Labels cut to fit their bars are cut between characters: a cut inside "→" (E2 86 92)
  // left invalid UTF-8 that the browser drew as a broken glyph.
  const std::string kv = (scratch() / "kv.html").string();
  CHECK(run_faultline("check " + testdata("porcupine-kv/c01-bad.txt") + " --html " + kv).status ==
        1);
  const std::string text = slurp(kv);
  std::size_t bad = 0;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const std::size_t n = c < 0x80           ? 1
                          : (c >> 5) == 0x6  ? 2
                          : (c >> 4) == 0xE  ? 3
                          : (c >> 3) == 0x1E ? 4
                                             : 0;
    bool ok = n > 0 && i + n <= text.size();
    for (std::size_t k = 1; ok && k < n; ++k)
      ok = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    if (!ok) ++bad;
    i += ok ? n : 1;
  }
  CHECK(bad == 0);
}

TEST_CASE("cli: --model and --init choose the model, the multi-register history needs x = y = 0") {
  std::string file = testdata("knossos/multi-register/good/multi-register.edn");
  CHECK(run_faultline("check " + file + " --init '{\"x\":0,\"y\":0}'").status == 0);
  CHECK(run_faultline("check " + file + " --init '{:x 0 :y 0}' --model multi-register").status ==
        0);
  CHECK(run_faultline("check " + file).status == 1);
}

TEST_CASE("cli: a budget that runs out exits 3") {
  faultline::checker::HistoryBuilder b;
  for (int p = 0; p < 26; ++p) REQUIRE_FALSE(b.invoke(p, "write", std::nullopt, p, p));
  for (int p = 0; p < 26; ++p)
    REQUIRE_FALSE(b.complete(p, faultline::checker::Outcome::info, nullptr, 100 + p));
  REQUIRE_FALSE(b.invoke(40, "read", std::nullopt, nullptr, 200));
  REQUIRE_FALSE(b.complete(40, faultline::checker::Outcome::ok, 999, 300));
  REQUIRE_FALSE(b.invoke(41, "write", std::nullopt, -1, 400));
  REQUIRE_FALSE(b.complete(41, faultline::checker::Outcome::ok, nullptr, 500));
  std::string file = write_file("hard.jsonl", faultline::checker::to_jsonl(std::move(b).finish()));
  Run r = run_faultline("check " + file + " --model register --init 0 --timeout 0.3 --json");
  CHECK(r.status == 3);
  CHECK(last_line_json(r.out)["verdict"] == "unknown");
  Run m = run_faultline("check " + file + " --model register --init 0 --memory-mb 4");
  CHECK(m.status == 3);
  CHECK(m.out.find("memory budget") != std::string::npos);
}

TEST_CASE("cli: bad input and bad usage exit 2, naming the place") {
  std::string bad = write_file("bad.jsonl",
                               "{\"process\":0,\"type\":\"invoke\",\"f\":\"read\",\"time\":1}\n"
                               "{\"process\":0,\"type\":\"ok\",\"value\":1,\"time\":0}\n");
  Run r = run_faultline("check " + bad);
  CHECK(r.status == 2);
  CHECK(r.err.find(bad + ":2: time runs backwards") != std::string::npos);
  std::string unknown_op =
      write_file("op.jsonl", "{\"process\":0,\"type\":\"invoke\",\"f\":\"frob\",\"time\":1}\n");
  Run op = run_faultline("check " + unknown_op + " --model cas-register");
  CHECK(op.status == 2);
  CHECK(op.err.find(unknown_op + ":1: the cas-register model has no operation 'frob'") !=
        std::string::npos);
  Run format = run_faultline("check " + bad + " --format xml");
  CHECK(format.status == 2);
  CHECK(format.err.find("--format") != std::string::npos);
  Run timeout = run_faultline("check " + bad + " --timeout -1");
  CHECK(timeout.status == 2);
  CHECK(timeout.err.find("--timeout") != std::string::npos);
  Run model = run_faultline("check " + testdata("porcupine-kv/c01-ok.txt") + " --model btree");
  CHECK(model.status == 2);
  CHECK(model.err.find("--model") != std::string::npos);
  CHECK(run_faultline("check /nonexistent/history").status == 2);
  CHECK(run_faultline("check").status == 2);
  // A model or an initial state the history's header names is located there: these were
  // blamed on --model and --init, which the user had not given.
  const std::string acquire =
      "{\"process\":0,\"type\":\"invoke\",\"f\":\"acquire\",\"time\":1}\n"
      "{\"process\":0,\"type\":\"ok\",\"time\":2}\n";
  const std::string no_model = write_file(
      "hm.jsonl",
      "{\"format\":\"faultline-history\",\"version\":1,\"model\":\"nosuch\"}\n" + acquire);
  Run header_model = run_faultline("check " + no_model);
  CHECK(header_model.status == 2);
  CHECK(header_model.err.find(no_model + ":1: $.model: no model named 'nosuch'") !=
        std::string::npos);
  CHECK(header_model.err.find("(the history's header names it; --model overrides it)") !=
        std::string::npos);
  const std::string bad_init = write_file(
      "hi.jsonl",
      "{\"format\":\"faultline-history\",\"version\":1,\"model\":\"mutex\",\"init\":\"held\"}\n" +
          acquire);
  Run header_init = run_faultline("check " + bad_init);
  CHECK(header_init.status == 2);
  CHECK(header_init.err.find(bad_init + ":1: $.init: the mutex model starts free") !=
        std::string::npos);
  // Given on the command line, the flags are still the place named; --init overrides.
  CHECK(run_faultline("check " + bad_init + " --init true").status == 1);
  CHECK(run_faultline("check " + no_model + " --model mutex").status == 0);
  Run flag_init = run_faultline("check " + no_model + " --model mutex --init 3");
  CHECK(flag_init.err.find("faultline check: --init: ") != std::string::npos);
}

TEST_CASE("cli: --html may not overwrite the history, and is checked before the search") {
  std::string history = write_file("keep.jsonl",
                                   "{\"process\":0,\"type\":\"invoke\",\"f\":\"read\",\"time\":1}\n");
  const std::string before = slurp(history);
  Run same = run_faultline("check " + history + " --html " + history + " --json");
  CHECK(same.status == 2);
  CHECK(same.err.find("--html " + history + ": is the history file this command reads") !=
        std::string::npos);
  CHECK(last_line_json(same.out)["exit"] == 2);
  CHECK(slurp(history) == before);
  // A page that cannot be written is an error before the history is even read.
  Run nowhere = run_faultline("check /nonexistent/history --html /nonexistent/dir/page.html");
  CHECK(nowhere.status == 2);
  CHECK(nowhere.err.find("--html /nonexistent/dir/page.html: cannot write here") != std::string::npos);
}

TEST_CASE("cli: crashes of old are located errors: 1e400, 2^64, deep values, /dev/zero") {
  std::string overflow = write_file(
      "big.jsonl", "{\"process\":0,\"type\":\"invoke\",\"f\":\"write\",\"value\":1e400,\"time\":1}\n");
  Run r = run_faultline("check " + overflow);
  CHECK(r.status == 2);
  CHECK(r.err.find(overflow + ":1:50: $.value: the number 1e400 is out of a double's range") !=
        std::string::npos);
  Run init = run_faultline("check " + overflow + " --init 1e400");
  CHECK(init.status == 2);
  std::string ok = write_file("ok.jsonl",
                              "{\"process\":0,\"type\":\"invoke\",\"f\":\"read\",\"time\":1}\n");
  Run init_only = run_faultline("check " + ok + " --init 1e400");
  CHECK(init_only.status == 2);
  CHECK(init_only.err.find("--init: column 1: the number 1e400") != std::string::npos);
  Run deep = run_faultline("check " + ok + " --init '" + std::string(100000, '[') + "'");
  CHECK(deep.status == 2);
  CHECK(deep.err.find("nested more than 256 levels deep") != std::string::npos);
  Run zero = run_faultline("check /dev/zero --max-input-bytes 1048576 --json");
  CHECK(zero.status == 2);
  CHECK(zero.err.find("/dev/zero: larger than 1048576 bytes") != std::string::npos);
  CHECK(run_faultline("check " + ok + " --max-input-bytes 0").status == 2);
  CHECK(run_faultline("check " + ok + " --timeout inf").status == 2);
  CHECK(run_faultline("check " + ok + " --threads -1").status == 2);
}

TEST_CASE("cli: an empty history is refused, not called linearizable") {
  std::string empty = write_file("empty.jsonl", "");
  Run r = run_faultline("check " + empty + " --json");
  CHECK(r.status == 2);
  CHECK(r.err.find(empty + ": no operations to check: the file is empty") != std::string::npos);
  std::string header = write_file("header.jsonl", "{\"format\":\"faultline-history\",\"version\":1}\n");
  CHECK(run_faultline("check " + header).err.find("only its header line") != std::string::npos);
}

TEST_CASE("cli: --max-configurations gives the same unknown, with the same count, every time") {
  faultline::checker::HistoryBuilder b;
  for (int p = 0; p < 20; ++p) REQUIRE_FALSE(b.invoke(p, "write", std::nullopt, p, p));
  for (int p = 0; p < 20; ++p)
    REQUIRE_FALSE(b.complete(p, faultline::checker::Outcome::info, nullptr, 100 + p));
  REQUIRE_FALSE(b.invoke(40, "read", std::nullopt, nullptr, 200));
  REQUIRE_FALSE(b.complete(40, faultline::checker::Outcome::ok, 999, 300));
  std::string file = write_file("budget.jsonl", faultline::checker::to_jsonl(std::move(b).finish()));
  const std::string command = "check " + file + " --model register --max-configurations 5000 --json";
  Run first = run_faultline(command);
  Run second = run_faultline(command + " --threads 3");
  CHECK(first.status == 3);
  CHECK(second.status == 3);
  auto a = last_line_json(first.out), c = last_line_json(second.out);
  CHECK(a["verdict"] == "unknown");
  CHECK(a["configurations"] == 5000);
  CHECK(c["configurations"] == 5000);
  CHECK(a["reason"].get<std::string>().find("max_configurations") != std::string::npos);
}
