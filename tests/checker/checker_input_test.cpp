// Bad outside input: each reader refuses it with the file, the line (and column or JSON
// path) and what was expected, never a crash, a hang or a silent default. The limits are
// the documented ones (checker/input_limits.hpp, docs/checker.md).
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <checker/checker.hpp>
#include <checker/history_io.hpp>
#include <checker/input_error.hpp>
#include <checker/input_limits.hpp>
#include <nlohmann/json.hpp>

#include "history_text.hpp"

namespace ck = faultline::checker;

using faultline::checker::testing::error_of;
using faultline::checker::testing::parse_file_ok;

namespace {

bool starts(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0;
}
bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string jsonl_line(int process, const std::string& type, const std::string& rest, int time) {
  return "{\"process\":" + std::to_string(process) + ",\"type\":\"" + type + "\"," + rest +
         "\"time\":" + std::to_string(time) + "}\n";
}

// A write of `written` then a read of `read` (JSON texts), one after the other.
std::string write_then_read(const std::string& written, const std::string& read) {
  return jsonl_line(0, "invoke", "\"f\":\"write\",\"value\":" + written + ",", 1) +
         jsonl_line(0, "ok", "", 2) + jsonl_line(1, "invoke", "\"f\":\"read\",", 3) +
         jsonl_line(1, "ok", "\"value\":" + read + ",", 4);
}

ck::Verdict verdict_of(const std::string& text, bool compiled) {
  ck::HistoryFile file = parse_file_ok(text);
  auto model = ck::make_model("register");
  REQUIRE(model.ok());
  ck::CheckOptions options;
  options.use_compiled_models = compiled;
  auto result = ck::check(file.history, **model, options);
  REQUIRE(result.ok());
  return result->verdict;
}

std::string nested(int depth, const std::string& open, const std::string& close,
                   const std::string& inner = "1") {
  std::string text;
  for (int i = 0; i < depth; ++i) text += open;
  text += inner;
  for (int i = 0; i < depth; ++i) text += close;
  return text;
}

}  // namespace

TEST_CASE("jsonl: numbers out of range are located errors, not aborts") {
  CHECK(error_of(jsonl_line(0, "invoke", "\"f\":\"write\",\"value\":1e400,", 1)) ==
        "h.txt:1:50: $.value: the number 1e400 is out of a double's range (magnitudes from "
        "about 2.2e-308 to 1.8e308)");
  CHECK(starts(error_of("{\"process\":0,\"type\":\"invoke\",\"f\":\"read\",\"time\":1e400}\n"),
               "h.txt:1:48: $.time: the number 1e400 is out of a double's range"));
  CHECK(starts(error_of(jsonl_line(0, "invoke", "\"f\":\"write\",\"value\":[1,-2e-400],", 1)),
               "h.txt:1:53: $.value[1]: the number -2e-400"));
  CHECK(starts(error_of(write_then_read("18446744073709551616", "18446744073709551617")),
               "h.txt:1:50: $.value: the integer 18446744073709551616 does not fit in 64 bits"));
  CHECK(has(error_of(jsonl_line(0, "invoke", "\"f\":\"write\",\"value\":-9223372036854775809,", 1)),
            "$.value: the integer -9223372036854775809 does not fit in 64 bits"));
  CHECK(
      has(error_of("{\"process\":18446744073709551615,\"type\":\"invoke\",\"f\":\"r\",\"time\":1}"),
          "h.txt:1: $.process: expected an integer below 2^63"));
}

TEST_CASE("values: integers compare exactly, on the compiled and the generic path alike") {
  for (bool compiled : {true, false}) {
    CAPTURE(compiled);
    // nlohmann's operator== calls the unsigned 2^64-1 equal to the signed -1.
    CHECK(verdict_of(write_then_read("18446744073709551615", "-1"), compiled) ==
          ck::Verdict::not_linearizable);
    // As doubles, 2^53 + 1 and 2^53 are one number.
    CHECK(verdict_of(write_then_read("9007199254740993", "9007199254740992.0"), compiled) ==
          ck::Verdict::not_linearizable);
    CHECK(verdict_of(write_then_read("18446744073709551615", "18446744073709551615"), compiled) ==
          ck::Verdict::linearizable);
    // An integral double is the integer it equals, wherever it fits in 64 bits.
    CHECK(verdict_of(write_then_read("1", "1.0"), compiled) == ck::Verdict::linearizable);
    CHECK(verdict_of(write_then_read("9223372036854775808", "9.223372036854775808e18"), compiled) ==
          ck::Verdict::linearizable);
    CHECK(verdict_of(write_then_read("[1,{\"a\":2}]", "[1.0,{\"a\":2.0}]"), compiled) ==
          ck::Verdict::linearizable);
    CHECK(verdict_of(write_then_read("0.1", "0.1000001"), compiled) ==
          ck::Verdict::not_linearizable);
  }
}

TEST_CASE("values: the set model keeps one element per value, exactly") {
  ck::HistoryBuilder b;
  REQUIRE_FALSE(b.invoke(0, "add", std::nullopt, 18446744073709551615ULL, 1));
  REQUIRE_FALSE(b.complete(0, ck::Outcome::ok, nullptr, 2));
  REQUIRE_FALSE(b.invoke(0, "add", std::nullopt, 1.0, 3));
  REQUIRE_FALSE(b.complete(0, ck::Outcome::ok, nullptr, 4));
  REQUIRE_FALSE(b.invoke(0, "read", std::nullopt, nullptr, 5));
  REQUIRE_FALSE(b.complete(0, ck::Outcome::ok, nlohmann::json::array({-1, 1}), 6));
  ck::History h = std::move(b).finish();
  auto model = ck::make_model("set");
  REQUIRE(model.ok());
  CHECK(ck::check(h, **model)->verdict == ck::Verdict::not_linearizable);
  h.ops[2].output = nlohmann::json::array({1, 18446744073709551615ULL});
  CHECK(ck::check(h, **model)->verdict == ck::Verdict::linearizable);
}

TEST_CASE("nesting: one limit for every reader, deeper input is an error, never a crash") {
  const int limit = ck::kMaxNestingDepth;
  // The line's own object is one level: a value may open limit - 1 more.
  auto line_with = [](const std::string& value) {
    return jsonl_line(0, "invoke", "\"f\":\"write\",\"value\":" + value + ",", 1);
  };
  CHECK(parse_file_ok(line_with(nested(limit - 1, "[", "]"))).history.ops.size() == 1);
  CHECK(has(error_of(line_with(nested(limit, "[", "]"))),
            ": nested more than 256 levels deep (the limit on values"));
  CHECK(has(error_of(line_with(nested(100000, "{\"a\":", "}"))), "$.value.a.a.a.a.a…"));
  CHECK(has(error_of(line_with(nested(100000, "[", "]"))), "nested more than 256 levels deep"));

  auto edn_with = [](const std::string& value) {
    return "[{:process 0, :type :invoke, :f :write, :value " + value + "}]";
  };
  // The history's vector and the op's map are two levels.
  CHECK(parse_file_ok(edn_with(nested(limit - 2, "[", "]"))).history.ops.size() == 1);
  CHECK(has(error_of(edn_with(nested(limit - 1, "[", "]"))), "nested more than 256 levels deep"));
  CHECK(has(error_of(edn_with(nested(100000, "(", ")"))), "nested more than 256 levels deep"));
  CHECK(has(error_of(edn_with(nested(100000, "#tag ", ""))), "nested more than 256 levels deep"));
  CHECK(has(error_of(edn_with(nested(100000, "#_", "", "1 2"))), "nested more than 256"));
  CHECK(has(error_of(edn_with(nested(100000, "[#_", "]", "1"))), "nested more than 256"));
  CHECK(has(error_of("{:process 0, :type :invoke, :f :put, :key \"k\", :value " +
                         nested(100000, "#{", "}") + "}\n",
                     ck::HistoryFormat::porcupine),
            "nested more than 256 levels deep"));
  // A log line is one level, like a JSONL line's object.
  auto log_with = [](const std::string& value) {
    return "INFO  jepsen.util - 3\t:invoke\t:write\t" + value + "\n";
  };
  CHECK(parse_file_ok(log_with(nested(limit - 1, "[", "]"))).history.ops.size() == 1);
  CHECK(has(error_of(log_with(nested(limit, "[", "]"))), "nested more than 256 levels deep"));
  CHECK(has(error_of("INFO  jepsen.util - 3\t:invoke\t:write\t" + nested(100000, "[", "]") + "\n"),
            "h.txt:1: the value '[[[["));

  CHECK(ck::parse_value_text(nested(limit, "[", "]")).ok());
  auto too_deep = ck::parse_value_text(nested(100000, "[", "]"));
  REQUIRE_FALSE(too_deep.ok());
  CHECK(has(too_deep.error().what, "column 257: $[0][0][0][0][0][0]…[0][0][0]: nested more than"));
  auto edn_deep = ck::parse_value_text(nested(50000, "{:a ", "}"));
  REQUIRE_FALSE(edn_deep.ok());
  CHECK(has(edn_deep.error().what, "nested more than 256 levels deep"));
}

TEST_CASE("--init values: the same checks as values in histories") {
  auto big = ck::parse_value_text("1e400");
  REQUIRE_FALSE(big.ok());
  CHECK(big.error().what ==
        "column 1: the number 1e400 is out of a double's range (magnitudes "
        "from about 2.2e-308 to 1.8e308)");
  auto huge = ck::parse_value_text("{\"x\": 99999999999999999999}");
  REQUIRE_FALSE(huge.ok());
  CHECK(has(huge.error().what, "column 7: $.x: the integer 99999999999999999999 does not fit"));
  auto neither = ck::parse_value_text("{\"x\": ");
  REQUIRE_FALSE(neither.ok());
  CHECK(has(neither.error().what,
            "is neither JSON (column 7: $.x: not valid JSON: expected a value"));
  CHECK(has(neither.error().what, "nor EDN (line 1, column 5: a ':' with no keyword name)"));
  CHECK_FALSE(ck::parse_value_text("\"\xff\"").ok());
  CHECK(*ck::parse_value_text("\"\\ud83d\\ude00\"") == "\xF0\x9F\x98\x80");
  CHECK(*ck::parse_value_text("{:x 18446744073709551615}") ==
        nlohmann::json({{"x", 18446744073709551615ULL}}));
}

TEST_CASE("values an operation contradicts are refused, not given a verdict") {
  auto refused = [](const std::string& text, const char* model_name) {
    ck::HistoryFile file = parse_file_ok(text);
    auto model = ck::make_model(model_name);
    REQUIRE(model.ok());
    auto result = ck::check(file.history, **model, ck::CheckOptions{});
    return result.ok() ? std::string("accepted")
                       : result.error().where + ": " + result.error().what;
  };
  // A write whose ok carries another value: which was written? The invocation's was used,
  // silently, and a read of the ok's value was called not linearizable.
  std::string text = jsonl_line(0, "invoke", "\"f\":\"write\",\"value\":1,", 1) +
                     jsonl_line(0, "ok", "\"value\":2,", 2) +
                     jsonl_line(1, "invoke", "\"f\":\"read\",", 3) +
                     jsonl_line(1, "ok", "\"value\":2,", 4);
  CHECK(refused(text, "register") ==
        "line 1: the write's ok carries 2, its invocation 1: an ok repeats the value it was given, "
        "or carries none");
  // An ok that repeats the value, or carries none, is as before; an info may carry an
  // error in its value (Jepsen's logs do).
  CHECK(refused(write_then_read("1", "1"), "register") == "accepted");
  text = jsonl_line(0, "invoke", "\"f\":\"write\",\"value\":1,", 1) +
         jsonl_line(0, "ok", "\"value\":1,", 2);
  CHECK(refused(text, "register") == "accepted");
  text = jsonl_line(0, "invoke", "\"f\":\"write\",\"value\":1,", 1) +
         jsonl_line(0, "info", "\"value\":\"timed out\",", 2);
  CHECK(refused(text, "register") == "accepted");
  // A queue cannot hold null: a dequeue that returns null found it empty. Enqueue null,
  // dequeue null was called not linearizable ("it met the state [null]").
  text = jsonl_line(0, "invoke", "\"f\":\"enqueue\",\"value\":null,", 1) +
         jsonl_line(0, "ok", "", 2) + jsonl_line(1, "invoke", "\"f\":\"dequeue\",", 3) +
         jsonl_line(1, "ok", "\"value\":null,", 4);
  CHECK(has(refused(text, "queue"),
            "line 1: an enqueue of null: the queue model's elements cannot be null"));
  CHECK(has(refused(jsonl_line(0, "invoke", "\"f\":\"enqueue\",\"value\":1,", 1) +
                        jsonl_line(0, "ok", "\"value\":3,", 2),
                    "queue"),
            "the enqueue's ok carries 3, its invocation 1"));
  auto init = ck::make_model("queue", nlohmann::json::array({1, nullptr}));
  REQUIRE_FALSE(init.ok());
  CHECK(has(init.error().what, "the queue model's elements cannot be null"));
}

TEST_CASE("json: syntax errors in our words, with line, column and path") {
  const std::string first = jsonl_line(0, "invoke", "\"f\":\"read\",", 1);
  struct Case {
    std::string line;
    std::string says;
  };
  const Case cases[] = {
      {"{\"process\":1 \"type\":\"ok\"}",
       "h.txt:2:14: not valid JSON: expected ',' or '}' after a member, found '\"'"},
      {"{\"process\":1,}", "h.txt:2:14: not valid JSON: expected a string key, found '}'"},
      {"{\"value\":[1,2,]}", "h.txt:2:15: $.value[2]: not valid JSON: expected a value (an object"},
      {"{\"value\":nul}",
       "h.txt:2:10: $.value: not valid JSON: expected a value (an object, array, string, number, "
       "true, false or null), found 'nul'"},
      {"{\"value\":\"a\tb\"}",
       "h.txt:2:12: $.value: not valid JSON: found the control character U+0009 inside a string"},
      {"{\"value\":\"\\q\"}", "h.txt:2:11: $.value: not valid JSON: unknown escape \\'q'"},
      {"{\"value\":\"\\ud800\"}",
       "h.txt:2:11: $.value: not valid JSON: a \\u escape of a high surrogate"},
      {"{\"value\":012}", "h.txt:2:10: $.value: not valid JSON: a number may not start with 0"},
      {"{\"value\":1.}",
       "h.txt:2:12: $.value: not valid JSON: expected a digit after the decimal point, found '}'"},
      {"{\"value\":\"abc",
       "h.txt:2:14: $.value: not valid JSON: the string is not closed before the end of the line"},
      {"{\"process\":1} x",
       "h.txt:2:15: not valid JSON: unexpected text after the value: found 'x'"},
      {"{\"a\":1,\"a\":2}", "h.txt:2:8: the key \"a\" appears twice in this object"},
      {"\xEF\xBB\xBF{\"process\":1}",
       "h.txt:2:1: a byte-order mark (U+FEFF) may only open the file"},
      {"{\"k\xC3\xA9\":\"\xC3\xA9\" 1}",
       "h.txt:2:11: not valid JSON: expected ',' or '}' after a member"},
  };
  for (const Case& c : cases) {
    std::string message = error_of(first + c.line + "\n");
    CHECK_MESSAGE(starts(message, c.says), message);
    CHECK_MESSAGE(!has(message, "json.exception"), message);
  }
}

TEST_CASE("utf-8: a byte-order mark may open a history, other bytes must be UTF-8") {
  const std::string bom = "\xEF\xBB\xBF";
  ck::HistoryFile jsonl = parse_file_ok(bom + jsonl_line(0, "invoke", "\"f\":\"read\",", 1));
  CHECK(jsonl.format == ck::HistoryFormat::jsonl);
  CHECK(jsonl.history.ops.size() == 1);
  ck::HistoryFile edn = parse_file_ok(bom + "[{:process 0, :type :invoke, :f :read}]");
  CHECK(edn.format == ck::HistoryFormat::edn);
  CHECK(error_of("[{:process 0, :type :invoke,\n :f :read, :value \"\xC3\xA9\xFF\"}]") ==
        "h.txt:2:21: not UTF-8 text: the byte 0xff (not UTF-8) (histories are read as UTF-8)");
  CHECK(starts(error_of(jsonl_line(0, "invoke", "\"f\":\"read\",\"value\":\"\xED\xA0\x80\",", 1)),
               "h.txt:1:50: not UTF-8 text: the byte 0xed"));  // an encoded surrogate
  CHECK(starts(error_of("INFO  jepsen.util - 3\t:invoke\t:read\t\"\xC0\xAF\"\n"),
               "h.txt:1:38: not UTF-8"));
  // \u escapes in EDN: pairs join, lone halves are errors.
  CHECK(parse_file_ok("[{:process 0 :type :invoke :f :write :value \"\\ud83d\\ude00\"}]")
            .history.ops[0]
            .input == "\xF0\x9F\x98\x80");
  CHECK(has(error_of("[{:process 0 :type :invoke :f :write :value \"\\udc00\"}]"),
            "h.txt:1:46: a \\u escape of a lone low surrogate"));
}

TEST_CASE("empty histories are refused, saying what the file held") {
  const std::string header = "{\"format\":\"faultline-history\",\"version\":1}\n";
  CHECK(error_of("") ==
        "h.txt: no operations to check: the file is empty; an empty history "
        "proves nothing, so it is refused rather than called linearizable");
  CHECK(has(error_of("\n  \n"), "the file holds only blank lines"));
  CHECK(has(error_of(header), "the file holds only its header line"));
  CHECK(has(error_of("\xEF\xBB\xBF" + header), "the file holds only its header line"));
  CHECK(has(error_of("[]"), "holds no client operations"));
  CHECK(
      has(error_of("[{:process :nemesis, :type :info, :f :start}]"), "holds no client operations"));
  CHECK(has(error_of("INFO  jepsen.core - nothing here\nINFO  jepsen.util - nothing\n"),
            "no line is a client operation"));
}

TEST_CASE("edn: duplicate keys, non-keyword :f, ##Inf and numbers beyond range") {
  CHECK(error_of("[{:process 0, :type :invoke, :f :read, :process 1}]") ==
        "h.txt:1:40: the key process appears twice in this map");
  CHECK(has(error_of("[{:process 0, :type :invoke, :f :read, :value {:a 1 \"a\" 2}}]"),
            "the key a appears twice"));
  CHECK(error_of("[{:process 0, :type :invoke, :f 3}]") ==
        "h.txt:1: :f is 3; expected a keyword (the operation's name)");
  CHECK(has(error_of("[{:process 0, :type :invoke, :f :w, :value ##Inf}]"),
            "##Inf, ##-Inf and ##NaN"));
  CHECK(has(error_of("[{:process 0, :type :invoke, :f :w, :value 1e400}]"),
            "h.txt:1:44: the number 1e400 is out of a double's range"));
  CHECK(has(error_of("[{:process 0, :type :invoke, :f :w, :value 18446744073709551616N}]"),
            "the integer 18446744073709551616N does not fit in 64 bits"));
  CHECK(parse_file_ok("[{:process 0, :type :invoke, :f :w, :value 18446744073709551615}]")
            .history.ops[0]
            .input == 18446744073709551615ULL);
}

TEST_CASE("jepsen log: an op line cut short is an error, not a line to skip") {
  const std::string good = "INFO  jepsen.util - 3\t:invoke\t:read\tnil\n";
  CHECK(error_of(good + "INFO  jepsen.util - 3\t:ok\n") ==
        "h.txt:2: expected the operation's name (a keyword such as :read) after the process and "
        "the type, found the end of the line");
  CHECK(has(error_of(good + "INFO  jepsen.util - 3\t:ok\tread\tnil\n"), "found 'read'"));
  CHECK(has(error_of(good + "INFO  jepsen.util - 3\t:ok\t:read\n"),
            "h.txt:2: expected a value after :read"));
  CHECK(error_of(good + "INFO  jepsen.util - 1e400\t:ok\t:read\tnil\n") ==
        "h.txt:2: the process '1e400' is not an integer or :nemesis");
  // Other lines, and nemesis lines, are still skipped.
  CHECK(parse_file_ok(
            good +
            "INFO  jepsen.util - 5 nodes ready\nINFO  jepsen.util - :nemesis\t:info\t:start\tnil\n")
            .history.ops.size() == 1);
}

TEST_CASE("files: the size cap stops an endless input with an error naming the cap") {
  auto path =
      std::filesystem::temp_directory_path() / ("faultline-cap-" + std::to_string(getpid()));
  std::string text = jsonl_line(0, "invoke", "\"f\":\"read\",", 1);
  std::ofstream(path) << text;
  auto small = ck::read_history_file(path.string(), std::nullopt, text.size() - 1);
  REQUIRE_FALSE(small.ok());
  CHECK(small.error().message() ==
        path.string() + ": larger than " + std::to_string(text.size() - 1) +
            " bytes, the cap on an input's size (a file that never ends?); raise it with "
            "--max-input-bytes");
  CHECK(ck::read_history_file(path.string(), std::nullopt, text.size()).ok());
  std::filesystem::remove(path);
  auto endless = ck::read_history_file("/dev/zero", std::nullopt, 1 << 20);
  REQUIRE_FALSE(endless.ok());
  CHECK(has(endless.error().message(), "/dev/zero: larger than 1048576 bytes"));
  CHECK(ck::kDefaultMaxInputBytes == 256ULL << 20);
}

TEST_CASE("jsonl: an unknown field is an error, not something to skip") {
  // "vlaue" would otherwise leave the write's value null without a word.
  CHECK(error_of(jsonl_line(0, "invoke", "\"f\":\"write\",\"vlaue\":1,", 1)) ==
        "h.txt:1: $.vlaue: unknown field; an event has process, type, f, key, value and time");
  CHECK(error_of("{\"format\":\"faultline-history\",\"version\":1,\"x y\":2}\n") ==
        "h.txt:1: $[\"x y\"]: unknown field; the header has format, version, model and init");
}

TEST_CASE("jepsen log: an :info value may be free text, but not cut-off data") {
  const std::string invoke = "INFO  jepsen.util - 2\t:invoke\t:write\t3\n";
  CHECK(parse_file_ok(invoke + "INFO  jepsen.util - 2\t:info\t:write\ttimed out: no reply\n")
            .history.ops[0]
            .output == "timed out: no reply");
  CHECK(has(error_of(invoke + "INFO  jepsen.util - 2\t:info\t:write\t[1 4\n"),
            "h.txt:2: the value '[1 4' is not EDN"));
  CHECK(has(error_of(invoke + "INFO  jepsen.util - 2\t:info\t:write\t1e400\n"),
            "h.txt:2: the value '1e400' is not EDN: the number 1e400 is out of a double's range"));
}

TEST_CASE("input: a JSON syntax error names its line and column and the parser's reason alone") {
  const std::string text = "{\n  \"a\": 1,\n  \"b\" 2\n}";
  try {
    const nlohmann::json parsed = nlohmann::json::parse(text);
    CHECK(parsed.is_null());
    FAIL("the text is not JSON");
  } catch (const nlohmann::json::parse_error& e) {
    const ck::InputError error = ck::json_syntax_error("f.json", text, e.byte, e.what());
    CHECK(error.where == "f.json:3:7");
    CHECK(error.what == "not valid JSON: unexpected number literal; expected ':'");
  }
  // Byte 0 (nothing read) is the start; an offset past the text stops at its end.
  CHECK(ck::json_syntax_error("f", "", 0, "x").where == "f:1:1");
  CHECK(ck::json_syntax_error("f", "ab\nc", 99, "x").where == "f:2:2");
  CHECK(ck::json_syntax_error("f", "", 0, "no prefix").what == "not valid JSON: no prefix");
  // A JSON Lines file's line: counted from that line, so FILE:LINE:COLUMN (not FILE:7:1:2).
  CHECK(ck::json_syntax_error("f", "ab\nc", 99, "x", 7).where == "f:8:2");
  CHECK(ck::json_syntax_error("f", "{x", 2, "x", 7).where == "f:7:2");
}
