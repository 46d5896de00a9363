// bench/linearizability: the checker on Porcupine's kv histories, on Jepsen's etcd
// histories (Porcupine's test_data/jepsen, not in this repository: pass --etcd DIR), and on
// a generated 100,000-operation key-value history. Times are of check() alone (partition
// and search, not reading the file), single-threaded unless said, median of repetitions.
// Each verdict is compared with the known one; a mismatch fails the benchmark.
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <checker/checker.hpp>
#include <checker/history_io.hpp>

#include "kv_history_generator.hpp"

namespace ck = faultline::checker;

namespace {

struct Timing {
  double median_ms = 0;
  double min_ms = 0;
  double cpu_median_ms = 0;  // process CPU time: steadier than wall time on a busy machine
  ck::Verdict verdict = ck::Verdict::unknown;
};

double cpu_now_ms() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

// Repeats the check until about `budget_ms` have passed (at least 3 times, at most 1000).
Timing time_check(const ck::History& history, const ck::Model& model, unsigned threads,
                  double budget_ms = 1000) {
  ck::CheckOptions options;
  options.threads = threads;
  options.memory_bytes_max = std::uint64_t{4} << 30;
  std::vector<double> samples, cpu_samples;
  double spent = 0;
  Timing t;
  while (samples.size() < 3 || (spent < budget_ms && samples.size() < 1000)) {
    double cpu_start = cpu_now_ms();
    auto result = ck::check(history, model, options);
    cpu_samples.push_back(cpu_now_ms() - cpu_start);
    if (!result) {
      std::cerr << "bench: " << result.error().message() << "\n";
      std::exit(2);
    }
    samples.push_back(result->elapsed_ms);
    spent += result->elapsed_ms;
    t.verdict = result->verdict;
  }
  std::sort(samples.begin(), samples.end());
  std::sort(cpu_samples.begin(), cpu_samples.end());
  t.cpu_median_ms = cpu_samples[cpu_samples.size() / 2];
  t.median_ms = samples[samples.size() / 2];
  t.min_ms = samples.front();
  return t;
}

int g_mismatches = 0;

void report(const std::string& name, std::size_t ops, const Timing& t, ck::Verdict expected,
            const char* note = "") {
  bool right = t.verdict == expected;
  if (!right) ++g_mismatches;
  std::printf("  %-44s %7zu ops  %-17s %9.3f ms median %9.3f ms min %9.3f ms cpu%s%s\n",
              name.c_str(), ops, std::string(ck::to_string(t.verdict)).c_str(), t.median_ms,
              t.min_ms, t.cpu_median_ms, right ? "" : "  VERDICT MISMATCH", note);
}

struct Loaded {
  ck::HistoryFile file;
  std::unique_ptr<ck::Model> model;
};

Loaded load(const std::string& path, bool failed_cas_observes = false) {
  auto file = ck::read_history_file(path);
  if (!file) {
    std::cerr << "bench: " << file.error().message() << "\n";
    std::exit(2);
  }
  ck::ModelOptions options = file->model_options;
  options.failed_cas_observes = failed_cas_observes;
  std::string name = file->default_model.value_or(ck::infer_model(file->history));
  auto model = ck::make_model(name, file->default_init, options);
  return Loaded{std::move(*file), std::move(*model)};
}

void bench_porcupine_kv() {
  std::printf("Porcupine kv histories (../shared/testdata/porcupine-kv), 1 thread:\n");
  for (std::string name : {"c01-ok", "c01-bad", "c10-ok", "c10-bad", "c50-ok", "c50-bad"}) {
    Loaded l = load(std::string(FAULTLINE_TESTDATA_DIR) + "/porcupine-kv/" + name + ".txt");
    auto expected = name.find("ok") != std::string::npos ? ck::Verdict::linearizable
                                                         : ck::Verdict::not_linearizable;
    report(name, l.file.history.ops.size(), time_check(l.file.history, *l.model, 1), expected);
  }
}

// Porcupine's porcupine_test.go: these etcd logs are linearizable, all others are not.
const std::set<int> kEtcdLinearizable = {2,  5,  7,  18, 25, 31, 38, 45, 48,  49,  51, 53,
                                         56, 67, 75, 76, 80, 87, 92, 98, 100, 101, 102};

void bench_etcd(const std::string& dir, bool failed_cas_observes) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().filename().string().rfind("etcd_", 0) == 0) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::printf("Jepsen etcd histories (%s), %zu files, 1 thread, a failed cas %s:\n", dir.c_str(),
              files.size(), failed_cas_observes ? "observes the value differed" : "has no effect");
  double total = 0, worst = 0, cpu_total = 0, cpu_worst = 0;
  std::string worst_name;
  std::size_t right = 0;
  for (const auto& path : files) {
    Loaded l = load(path.string(), failed_cas_observes);
    int number = std::stoi(path.filename().string().substr(5, 3));
    auto expected =
        kEtcdLinearizable.count(number) ? ck::Verdict::linearizable : ck::Verdict::not_linearizable;
    Timing t = time_check(l.file.history, *l.model, 1, 100);
    if (t.verdict == expected)
      ++right;
    else
      report(path.filename().string(), l.file.history.ops.size(), t, expected);
    total += t.median_ms;
    cpu_total += t.cpu_median_ms;
    cpu_worst = std::max(cpu_worst, t.cpu_median_ms);
    if (t.median_ms > worst) {
      worst = t.median_ms;
      worst_name = path.filename().string();
    }
  }
  g_mismatches += static_cast<int>(files.size() - right);
  std::printf(
      "  verdicts as Porcupine's: %zu of %zu; total %.3f ms, worst %.3f ms (%s); "
      "cpu total %.3f ms, worst %.3f ms\n",
      right, files.size(), total, worst, worst_name.c_str(), cpu_total, cpu_worst);
}

void bench_generated_kv() {
  std::printf("Generated key-value histories (get/put/append, 32 clients):\n");
  for (bool corrupt : {false, true}) {
    faultline::bench::KvHistorySpec spec;
    spec.corrupt = corrupt;
    ck::History h = faultline::bench::generate_kv_history(spec);
    auto model = ck::make_model("kv", "");
    auto expected = corrupt ? ck::Verdict::not_linearizable : ck::Verdict::linearizable;
    std::string name =
        std::string(corrupt ? "100k ops, 1000 keys, one bad get" : "100k ops, 1000 keys");
    report(name + ", 1 thread", h.ops.size(), time_check(h, **model, 1, 3000), expected);
    report(name + ", 2 threads", h.ops.size(), time_check(h, **model, 2, 3000), expected);
  }
}

void print_machine() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line, model = "?";
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  }
  std::ifstream loadavg("/proc/loadavg");
  std::string load;
  std::getline(loadavg, load);
  std::printf("machine: %s, %u hardware threads; load average now: %s\n", model.c_str(),
              std::thread::hardware_concurrency(), load.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  std::string etcd_dir;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--etcd" && i + 1 < argc) {
      etcd_dir = argv[++i];
    } else {
      std::cerr << "usage: linearizability [--etcd DIR]  (DIR holds Porcupine's etcd_NNN.log)\n";
      return 2;
    }
  }
  print_machine();
  bench_porcupine_kv();
  if (!etcd_dir.empty()) {
    bench_etcd(etcd_dir, false);
    bench_etcd(etcd_dir, true);
  } else {
    std::printf("Jepsen etcd histories: skipped (pass --etcd DIR)\n");
  }
  bench_generated_kv();
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("peak resident memory: %.1f MiB\n", static_cast<double>(usage.ru_maxrss) / 1024);
  if (g_mismatches > 0) {
    std::printf("%d verdicts differ from the known ones\n", g_mismatches);
    return 1;
  }
  return 0;
}
