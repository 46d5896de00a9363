// Every history in ../shared/testdata gets the verdict the field agrees on, whichever way a
// failed cas is read, on the compiled and on the generic (JSON) path.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include <checker/checker.hpp>
#include <checker/history_io.hpp>
#include "faultline_testdata.hpp"

namespace ck = faultline::checker;
namespace fs = std::filesystem;

namespace {

struct Known {
  std::string path;
  bool linearizable;
  nlohmann::json init;  // per the testdata README; null: the format's default
};

std::vector<Known> known_histories() {
  const fs::path root = faultline::testing::testdata_path();
  std::vector<Known> known;
  auto add_dir = [&](const fs::path& dir, bool good, const nlohmann::json& init) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir)) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const auto& file : files) known.push_back({file.string(), good, init});
  };
  add_dir(root / "knossos/cas-register/good", true, 0);
  add_dir(root / "knossos/cas-register/bad", false, 0);
  add_dir(root / "knossos/multi-register/good", true, {{"x", 0}, {"y", 0}});
  for (std::string name : {"c01-ok", "c01-bad", "c10-ok", "c10-bad", "c50-ok", "c50-bad"}) {
    known.push_back({(root / "porcupine-kv" / (name + ".txt")).string(),
                     name.find("ok") != std::string::npos, nullptr});
  }
  return known;
}

enum class Init { readme, format_default };

ck::Verdict verdict_of(const Known& k, bool failed_cas_observes, bool compiled,
                       Init init = Init::readme) {
  auto file = ck::read_history_file(k.path);
  REQUIRE_MESSAGE(file.ok(), (file.ok() ? "" : file.error().message()));
  ck::ModelOptions options = file->model_options;
  options.failed_cas_observes = failed_cas_observes;
  std::string name = file->default_model.value_or(ck::infer_model(file->history));
  bool readme = init == Init::readme && !k.init.is_null();
  auto model = ck::make_model(name, readme ? k.init : file->default_init, options);
  REQUIRE(model.ok());
  ck::CheckOptions check_options;
  check_options.use_compiled_models = compiled;
  auto result = ck::check(file->history, **model, check_options);
  REQUIRE_MESSAGE(result.ok(), (result.ok() ? "" : result.error().message()));
  return result->verdict;
}

ck::Verdict expected(const Known& k) {
  return k.linearizable ? ck::Verdict::linearizable : ck::Verdict::not_linearizable;
}

}  // namespace

TEST_CASE("testdata: every known history gets its verdict (README's initial states)") {
  auto known = known_histories();
  REQUIRE(known.size() == 62);  // 51 good and 4 bad cas-register, 1 multi-register, 6 kv
  for (const Known& k : known) {
    CAPTURE(k.path);
    CHECK(verdict_of(k, false, true) == expected(k));
  }
}

// The cas-register histories start from nil, not from the README's 0: with 0, reading a
// failed cas as an observation contradicts memstress3-4, whose first op (a cas from 0)
// failed. From nil both readings of a failed cas give every known verdict.
TEST_CASE("testdata: a failed cas as no effect or as an observation: the same verdicts") {
  for (const Known& k : known_histories()) {
    CAPTURE(k.path);
    bool multi = k.path.find("multi-register") != std::string::npos;
    Init init = multi ? Init::readme : Init::format_default;  // its txns need x = y = 0
    CHECK(verdict_of(k, false, true, init) == expected(k));
    CHECK(verdict_of(k, true, true, init) == expected(k));
  }
}

TEST_CASE("testdata: from 0, a failed cas as an observation rejects memstress3-4") {
  Known k{faultline::testing::testdata_path("knossos/cas-register/good/memstress3-4.edn"), true, 0};
  CHECK(verdict_of(k, false, true) == ck::Verdict::linearizable);
  CHECK(verdict_of(k, true, true) == ck::Verdict::not_linearizable);
}

TEST_CASE("testdata: the generic JSON path agrees with the compiled one") {
  for (const Known& k : known_histories()) {
    CAPTURE(k.path);
    CHECK(verdict_of(k, false, false) == expected(k));
  }
}

TEST_CASE("testdata: formats and models are detected from the files alone") {
  const fs::path root = faultline::testing::testdata_path();
  auto kv = ck::read_history_file((root / "porcupine-kv/c10-ok.txt").string());
  REQUIRE(kv.ok());
  CHECK(kv->format == ck::HistoryFormat::porcupine);
  CHECK(kv->default_model == "kv");
  CHECK(kv->history.ops.size() == 337);
  auto cas = ck::read_history_file((root / "knossos/cas-register/bad/cas-failure.edn").string());
  REQUIRE(cas.ok());
  CHECK(cas->format == ck::HistoryFormat::edn);
  CHECK(ck::infer_model(cas->history) == "cas-register");
  auto multi =
      ck::read_history_file((root / "knossos/multi-register/good/multi-register.edn").string());
  REQUIRE(multi.ok());
  CHECK(ck::infer_model(multi->history) == "multi-register");
}
