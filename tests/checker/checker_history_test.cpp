// Histories: building them event by event, reading every format, and refusing bad input
// with the place and what was expected.
#include <doctest/doctest.h>

#include <checker/checker.hpp>
#include <checker/history_io.hpp>

#include "history_text.hpp"

namespace ck = faultline::checker;

using faultline::checker::testing::error_of;

namespace {

ck::History parse_ok(std::string_view text, std::optional<ck::HistoryFormat> format = {}) {
  return faultline::checker::testing::parse_file_ok(text, format).history;
}

}  // namespace

TEST_CASE("builder: pairs invocations with completions by process") {
  ck::HistoryBuilder b;
  CHECK_FALSE(b.invoke(0, "put", "x", "1", 100));
  CHECK_FALSE(b.invoke(1, "get", "x", nullptr, 110));
  CHECK_FALSE(b.complete(1, ck::Outcome::ok, "1", 120));
  CHECK_FALSE(b.complete(0, ck::Outcome::info, nullptr, 130));
  CHECK_FALSE(b.invoke(2, "get", "x", nullptr, 140));
  ck::History h = std::move(b).finish();
  REQUIRE(h.ops.size() == 3);
  CHECK(h.event_count == 5);
  CHECK(h.ops[0].outcome == ck::Outcome::info);
  CHECK(h.ops[0].completed());
  CHECK(h.ops[1].output == "1");
  CHECK(h.ops[1].invoke_event == 1);
  CHECK(h.ops[1].complete_event == 2);
  CHECK(*h.ops[1].complete_time_ns == 120);
  CHECK_FALSE(h.ops[2].completed());  // never completed: unknown outcome, open to the end
  CHECK(h.ops[2].unknown_outcome());
}

TEST_CASE("builder: refuses what cannot happen") {
  ck::HistoryBuilder b;
  auto orphan = b.complete(3, ck::Outcome::ok, 1);
  REQUIRE(orphan);
  CHECK(orphan->find("no open invocation") != std::string::npos);
  CHECK_FALSE(b.invoke(1, "read", std::nullopt, nullptr, 50));
  auto twice = b.invoke(1, "write", std::nullopt, 2, 60);
  REQUIRE(twice);
  CHECK(twice->find("still open") != std::string::npos);
  auto backwards = b.complete(1, ck::Outcome::ok, 0, 40);
  REQUIRE(backwards);
  CHECK(backwards->find("time runs backwards") != std::string::npos);
  // Refused events leave the history as it was: the read can still complete.
  CHECK_FALSE(b.complete(1, ck::Outcome::ok, 0, 70));
}

TEST_CASE("jsonl: our format round-trips through to_jsonl") {
  const char* text =
      "{\"format\":\"faultline-history\",\"version\":1}\n"
      "{\"process\":0,\"type\":\"invoke\",\"f\":\"put\",\"key\":\"x\",\"value\":\"1\",\"time\":"
      "1200}\n"
      "{\"process\":1,\"type\":\"invoke\",\"f\":\"get\",\"key\":\"x\",\"time\":1300}\n"
      "\n"
      "{\"process\":0,\"type\":\"ok\",\"time\":1400}\n"
      "{\"process\":1,\"type\":\"ok\",\"f\":\"get\",\"value\":\"1\",\"time\":1400}\n";
  ck::History h = parse_ok(text);
  REQUIRE(h.ops.size() == 2);
  CHECK(h.ops[0].key == "x");
  CHECK(h.ops[1].output == "1");
  CHECK(h.ops[1].invoke_line == 3);
  CHECK(h.ops[1].complete_line == 6);
  ck::History again = parse_ok(ck::to_jsonl(h));
  REQUIRE(again.ops.size() == 2);
  CHECK(again.ops[1].output == "1");
  CHECK(again.ops[0].complete_event == h.ops[0].complete_event);
}

TEST_CASE("jsonl: errors name the line, the JSON path and what was expected") {
  CHECK(error_of("{\"format\":\"faultline-trace\",\"version\":1}\n") ==
        "h.txt:1: this is a 'faultline-trace' file; expected a 'faultline-history' file (a trace: "
        "`faultline viz` reads it; `faultline run --history FILE` writes a run's history)");
  // A whole trace (its events and more on the first line) says the same: it read "$.events:
  // unknown field; the header has format and version".
  CHECK(error_of("{\"events\":[],\"format\":\"faultline-trace\",\"meta\":{},\"version\":1}\n")
            .find("this is a 'faultline-trace' file") != std::string::npos);
  // So does a scenario or a repro, written over several lines (it read "h.txt:1:2: not
  // valid JSON: expected a string key or '}', found the end of the line").
  CHECK(error_of("{\n \"format\": \"faultline-repro/1\",\n \"seed\": 1\n}\n") ==
        "h.txt:1: this is a 'faultline-repro/1' file; expected a 'faultline-history' file (a "
        "repro: `faultline replay FILE --history H.jsonl` replays it and writes its history)");
  CHECK(error_of("{\n \"format\": \"faultline-scenario/1\"\n}").find(
            "(a scenario: `faultline run FILE --history H.jsonl`") != std::string::npos);
  CHECK(error_of("{\n \"process\": 1\n}\n").find("h.txt:1:2: not valid JSON") == 0);
  CHECK(error_of("{\"events\":[],\"format\":\"something-else\"}\n") ==
        "h.txt:1: this is a 'something-else' file; expected a 'faultline-history' file");
  CHECK(error_of("{\"format\":\"faultline-history\",\"version\":2}\n").find("version 2") !=
        std::string::npos);
  CHECK(error_of("{\"process\":\"a\",\"type\":\"invoke\",\"f\":\"get\",\"time\":1}\n") ==
        "h.txt:1: $.process: expected an integer, found \"a\"");
  CHECK(error_of("{\"process\":1,\"type\":\"start\",\"f\":\"get\",\"time\":1}\n")
            .find("h.txt:1: $.type: expected") == 0);
  CHECK(error_of("{\"process\":1,\"type\":\"invoke\",\"time\":1}\n") ==
        "h.txt:1: $.f: expected a string (the operation's name), found nothing");
  CHECK(error_of("{\"process\":1,\"type\":\"invoke\",\"f\":\"get\"}\n") ==
        "h.txt:1: $.time: expected an integer, found nothing");
  CHECK(error_of("{\"process\":1,\"type\":\"invoke\",\"f\":\"get\",\"key\":3,\"time\":1}\n") ==
        "h.txt:1: $.key: expected a string, found 3");
  CHECK(error_of("{\"process\":1,\"type\":\"invoke\",\"f\":\"get\",\"time\":1}\n{\"process\":1,")
            .find("h.txt:2:14: not valid JSON: expected a string key, found the end of the line") ==
        0);
  CHECK(error_of("{\"process\":1,\"type\":\"invoke\",\"f\":\"get\",\"time\":5}\n"
                 "{\"process\":1,\"type\":\"ok\",\"time\":4}\n")
            .find("h.txt:2: time runs backwards") == 0);
  CHECK(error_of("{\"process\":1,\"type\":\"ok\",\"time\":4}\n")
            .find("h.txt:1: a completion (ok) for process 1, which has no open invocation") == 0);
  CHECK(error_of("{\"process\":1,\"type\":\"invoke\",\"f\":\"get\",\"time\":1}\n"
                 "{\"process\":1,\"type\":\"invoke\",\"f\":\"put\",\"time\":2}\n")
            .find("h.txt:2: process 1 invokes 'put' while its 'get' (line 1) is still open") == 0);
}

TEST_CASE("edn: a vector of maps, comments, extra keys, nemesis ops and file order") {
  const char* text =
      "; a comment\n"
      "[{:process 0, :type :invoke, :f :write, :value 1, :time 50}\n"
      " {:process :nemesis, :type :info, :f :start, :value nil}\n"
      " {:process 1, :type :invoke, :f :read, :value nil, :time 10} ; time runs backwards: fine\n"
      " {:process 0, :type :ok, :f :write, :value 1, :index 7, :error [:a \"b\"]}\n"
      " #_{:process 9, :type :invoke, :f :read}\n"
      " {:process 1, :type :ok, :f :read, :value 1}]\n";
  auto file = ck::parse_history(text, "h.edn");
  REQUIRE(file.ok());
  CHECK(file->format == ck::HistoryFormat::edn);
  CHECK(file->model_options.nil_read_is_unknown);
  const ck::History& h = file->history;
  REQUIRE(h.ops.size() == 2);
  CHECK(h.ops[0].f == "write");
  CHECK(h.ops[1].invoke_event == 1);  // file order, not :time
  CHECK(h.ops[1].invoke_line == 4);
  CHECK(h.ops[1].output == 1);
}

TEST_CASE("edn: a list, one map per line, sets, tagged values, strings with escapes") {
  ck::History list = parse_ok("({:process 0 :type :invoke :f :add :value 1})");
  CHECK(list.ops.size() == 1);
  ck::History lines = parse_ok(
      "{:process 0, :type :invoke, :f :read, :value nil}\n"
      "{:process 0, :type :ok, :f :read, :value #{1 2}, :at #inst \"2020-01-01\"}\n");
  REQUIRE(lines.ops.size() == 1);
  CHECK(lines.ops[0].output == nlohmann::json::array({1, 2}));
  ck::History strings =
      parse_ok("[{:process 0 :type :invoke :f :put :key \"a\\\"b\" :value \"x\\ny\\u00e9\"}]");
  CHECK(strings.ops[0].key == "a\"b");
  CHECK(strings.ops[0].input == "x\ny\xC3\xA9");
}

TEST_CASE("edn: errors name the line and column and what was expected") {
  CHECK(error_of("[{:process 0, :type :invoke, :f :read}\n {:process 1, :type :go, :f :read}]") ==
        "h.txt:2: :type is \"go\"; expected :invoke, :ok, :fail or :info");
  CHECK(error_of("[{:process 0, :type :invoke, :f :read}\n {:process 0 :type}]") ==
        "h.txt:2:19: a map key without a value");
  CHECK(error_of("[{:process 0, :type :invoke, :f :read}\n")
            .find("expected ']' to close the history") != std::string::npos);
  CHECK(error_of("[{:process \"x\", :type :invoke, :f :read}]") ==
        "h.txt:1: :process is \"x\"; expected an integer or :nemesis");
  CHECK(error_of("[{:process 1, :type :invoke}]") ==
        "h.txt:1: expected an :f (the operation's name)");
  CHECK(error_of("[{:process 1, :type :invoke, :f :read, :value \"abc}]")
            .find("a string is not closed") != std::string::npos);
  CHECK(error_of("[{:process 1, :type :invoke, :f :read, :value 99999999999999999999}]")
            .find("does not fit in 64 bits") != std::string::npos);
  CHECK(error_of("[1 2]") == "h.txt:1: expected an operation map {:process ..}, found 1");
  CHECK(error_of("[{:process 0, :type :invoke, :f :read}] [3]").find("unexpected text after") !=
        std::string::npos);
  std::string deep(10000, '[');
  CHECK(error_of(deep).find("h.txt:1:257: nested more than 256 levels deep") == 0);
}

TEST_CASE("porcupine: kv lines are detected, with the kv model starting at \"\"") {
  auto file = ck::parse_history(
      "{:process 0, :type :invoke, :f :get, :key \"1\", :value nil}\n"
      "{:process 0, :type :ok, :f :get, :key \"1\", :value \"\"}\n",
      "kv.txt");
  REQUIRE(file.ok());
  CHECK(file->format == ck::HistoryFormat::porcupine);
  CHECK(file->default_model == "kv");
  CHECK(file->default_init == "");
  CHECK_FALSE(file->model_options.nil_read_is_unknown);
}

TEST_CASE("jepsen log: op lines are read, other lines ignored, :info values need not be EDN") {
  const char* text =
      "2017-03-01 12:00:00,000{GMT}\tINFO\t[jepsen worker 3] jepsen.util - 3\t:invoke\t:cas\t[1 "
      "4]\n"
      "INFO  jepsen.core - Relative time begins now\n"
      "INFO  jepsen.util - :nemesis\t:info\t:start\tnil\n"
      "INFO  jepsen.util - 7   :invoke   :read   nil\n"
      "INFO  jepsen.util - 3\t:fail\t:cas\t[1 4]\n"
      "INFO  jepsen.util - 7\t:ok\t:read\tnil\n"
      "INFO  jepsen.util - 2\t:invoke\t:write\t3\n"
      "INFO  jepsen.util - 2\t:info\t:write\tindeterminate: Read timed out\n";
  auto file = ck::parse_history(text, "etcd.log");
  REQUIRE(file.ok());
  CHECK(file->format == ck::HistoryFormat::jepsen_log);
  CHECK(file->default_model == "cas-register");
  const ck::History& h = file->history;
  REQUIRE(h.ops.size() == 3);
  CHECK(h.ops[0].input == nlohmann::json::array({1, 4}));
  CHECK(h.ops[0].outcome == ck::Outcome::fail);
  CHECK(h.ops[0].invoke_line == 1);
  CHECK(h.ops[1].output.is_null());
  CHECK(h.ops[2].outcome == ck::Outcome::info);
  CHECK(error_of("INFO  jepsen.util - 3\t:invoke\t:cas\t[1 4\n")
            .find("h.txt:1: the value '[1 4' is not EDN") == 0);
  CHECK(error_of("INFO  jepsen.util - 3\t:invoke\t:read\tnil\n"
                 "INFO  jepsen.util - 3\t:okay\t:read\tnil\n")
            .find("h.txt:2: the type :okay is not :invoke, :ok, :fail or :info") == 0);
}

TEST_CASE("formats: detection, forcing, and a file that is none of them") {
  CHECK(error_of("hello\n").find("cannot tell the history's format") != std::string::npos);
  auto forced = ck::parse_history("{:process 0, :type :invoke, :f :get, :key \"1\", :value nil}\n",
                                  "x", ck::HistoryFormat::edn);
  REQUIRE(forced.ok());
  CHECK(forced->format == ck::HistoryFormat::edn);
  CHECK(error_of("").find("h.txt: no operations to check: the file is empty") == 0);
  CHECK(ck::parse_history_format("jepsen-log") == ck::HistoryFormat::jepsen_log);
  CHECK_FALSE(ck::parse_history_format("xml"));
  auto missing = ck::read_history_file("/nonexistent/history.jsonl");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message().find("/nonexistent/history.jsonl: cannot open") == 0);
  auto directory = ck::read_history_file("/");
  REQUIRE_FALSE(directory.ok());
  CHECK(directory.error().message().find("is a directory") != std::string::npos);
}

TEST_CASE("values on the command line: JSON or EDN") {
  CHECK(*ck::parse_value_text("0") == 0);
  CHECK(*ck::parse_value_text("{\"x\":0,\"y\":0}") == nlohmann::json({{"x", 0}, {"y", 0}}));
  CHECK(*ck::parse_value_text("{:x 0, :y 0}") == nlohmann::json({{"x", 0}, {"y", 0}}));
  CHECK(*ck::parse_value_text("nil") == nullptr);
  CHECK_FALSE(ck::parse_value_text("{:x").ok());
}
