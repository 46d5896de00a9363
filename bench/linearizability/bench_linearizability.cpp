// bench/linearizability: the checker on Porcupine's kv histories, on Jepsen's etcd
// histories (Porcupine's test_data/jepsen, not in this repository: pass --etcd DIR), and on
// a generated 100,000-operation key-value history. Times are of check() alone (partition
// and search, not reading the file), single-threaded unless said.
//
// Fairness: each case runs in a fresh process (the benchmark starts itself with --only), so
// no case inherits another's heap, and each history is checked a few times untimed before
// the timed repetitions, so the first run's page faults and allocator growth are not
// counted. Reported: the median and minimum wall time, and the median CPU time of the
// checking thread(s) — on a shared machine CPU time is the steadier number.
// Each verdict is compared with the known one; a mismatch fails the benchmark.
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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
  double cpu_median_ms = 0;
  std::size_t samples = 0;
  ck::Verdict verdict = ck::Verdict::unknown;
};

double cpu_now_ms() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

struct Budget {
  double warmup_ms = 200;  // untimed runs: at least 2, and until this much time has passed
  double timed_ms = 1000;  // timed runs: at least 5, and until this much time has passed
};

// Checks the history repeatedly: untimed warm-up runs first, then timed ones.
Timing time_check(const ck::History& history, const ck::Model& model, unsigned threads,
                  Budget budget) {
  ck::CheckOptions options;
  options.threads = threads;
  options.memory_bytes_max = std::uint64_t{4} << 30;
  auto run = [&] {
    auto result = ck::check(history, model, options);
    if (!result) {
      std::cerr << "bench: " << result.error().message() << "\n";
      std::exit(2);
    }
    return *result;
  };
  double warm = 0;
  for (int i = 0; i < 2 || (warm < budget.warmup_ms && i < 1000); ++i) warm += run().elapsed_ms;
  std::vector<double> samples, cpu_samples;
  double spent = 0;
  Timing t;
  while (samples.size() < 5 || (spent < budget.timed_ms && samples.size() < 1000)) {
    double cpu_start = cpu_now_ms();
    ck::CheckResult result = run();
    cpu_samples.push_back(cpu_now_ms() - cpu_start);
    samples.push_back(result.elapsed_ms);
    spent += result.elapsed_ms;
    t.verdict = result.verdict;
  }
  std::sort(samples.begin(), samples.end());
  std::sort(cpu_samples.begin(), cpu_samples.end());
  t.cpu_median_ms = cpu_samples[cpu_samples.size() / 2];
  t.median_ms = samples[samples.size() / 2];
  t.min_ms = samples.front();
  t.samples = samples.size();
  return t;
}

int g_mismatches = 0;

void report(const std::string& name, std::size_t ops, const Timing& t, ck::Verdict expected) {
  bool right = t.verdict == expected;
  if (!right) ++g_mismatches;
  std::printf("  %-40s %7zu ops  %-17s %9.3f ms median %9.3f ms min %9.3f ms cpu (%zu runs)%s\n",
              name.c_str(), ops, std::string(ck::to_string(t.verdict)).c_str(), t.median_ms,
              t.min_ms, t.cpu_median_ms, t.samples, right ? "" : "  VERDICT MISMATCH");
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

const std::vector<std::string> kPorcupineKv = {"c01-ok",  "c01-bad", "c10-ok",
                                               "c10-bad", "c50-ok",  "c50-bad"};

void bench_porcupine_kv(const std::string& name) {
  Loaded l = load(std::string(FAULTLINE_TESTDATA_DIR) + "/porcupine-kv/" + name + ".txt");
  auto expected = name.find("ok") != std::string::npos ? ck::Verdict::linearizable
                                                       : ck::Verdict::not_linearizable;
  report(name, l.file.history.ops.size(), time_check(l.file.history, *l.model, 1, Budget{}),
         expected);
}

// Porcupine's porcupine_test.go: these etcd logs are linearizable, all others are not.
const std::set<int> kEtcdLinearizable = {2,  5,  7,  18, 25, 31, 38, 45, 48,  49,  51, 53,
                                         56, 67, 75, 76, 80, 87, 92, 98, 100, 101, 102};

// All files in one process (they are small and alike), each warmed up before it is timed.
void bench_etcd(const std::string& dir, bool failed_cas_observes) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().filename().string().rfind("etcd_", 0) == 0) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::printf("  Jepsen etcd logs in %s, %zu files, a failed cas %s:\n", dir.c_str(), files.size(),
              failed_cas_observes ? "observes the value differed" : "has no effect");
  double total = 0, worst = 0, cpu_total = 0, cpu_worst = 0;
  std::string worst_name, cpu_worst_name;
  std::size_t right = 0, ops = 0, ops_min = SIZE_MAX, ops_max = 0;
  for (const auto& path : files) {
    Loaded l = load(path.string(), failed_cas_observes);
    int number = std::stoi(path.filename().string().substr(5, 3));
    auto expected =
        kEtcdLinearizable.count(number) ? ck::Verdict::linearizable : ck::Verdict::not_linearizable;
    Timing t = time_check(l.file.history, *l.model, 1, Budget{20, 100});
    std::size_t n = l.file.history.ops.size();
    ops += n;
    ops_min = std::min(ops_min, n);
    ops_max = std::max(ops_max, n);
    if (t.verdict == expected) {
      ++right;
    } else {
      report(path.filename().string(), n, t, expected);
    }
    total += t.median_ms;
    cpu_total += t.cpu_median_ms;
    if (t.median_ms > worst) {
      worst = t.median_ms;
      worst_name = path.filename().string();
    }
    if (t.cpu_median_ms > cpu_worst) {
      cpu_worst = t.cpu_median_ms;
      cpu_worst_name = path.filename().string();
    }
  }
  g_mismatches += static_cast<int>(files.size() - right);
  std::printf(
      "    %zu ops (%zu-%zu per file); verdicts as Porcupine's: %zu of %zu\n"
      "    sum of medians %.3f ms, worst %.3f ms (%s); cpu: sum %.3f ms, worst %.3f ms (%s)\n",
      ops, ops_min, ops_max, right, files.size(), total, worst, worst_name.c_str(), cpu_total,
      cpu_worst, cpu_worst_name.c_str());
}

void bench_generated_kv(bool corrupt) {
  faultline::bench::KvHistorySpec spec;
  spec.corrupt = corrupt;
  ck::History h = faultline::bench::generate_kv_history(spec);
  auto model = ck::make_model("kv", "");
  auto expected = corrupt ? ck::Verdict::not_linearizable : ck::Verdict::linearizable;
  std::string name =
      std::string(corrupt ? "kv 100k ops, 1000 keys, one bad get" : "kv 100k ops, 1000 keys");
  Budget budget{500, 3000};
  report(name + ", 1 thread", h.ops.size(), time_check(h, **model, 1, budget), expected);
  report(name + ", 2 threads", h.ops.size(), time_check(h, **model, 2, budget), expected);
}

std::string load_average() {
  std::ifstream loadavg("/proc/loadavg");
  std::string load;
  std::getline(loadavg, load);
  return load;
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
  std::printf("machine: %s, %u hardware threads; load average now: %s\n", model.c_str(),
              std::thread::hardware_concurrency(), load_average().c_str());
}

// Runs one case in this process; false for an unknown name.
bool run_case(const std::string& name, const std::string& etcd_dir) {
  if (std::find(kPorcupineKv.begin(), kPorcupineKv.end(), name) != kPorcupineKv.end()) {
    bench_porcupine_kv(name);
  } else if (name == "etcd" || name == "etcd-observes") {
    bench_etcd(etcd_dir, name == "etcd-observes");
  } else if (name == "kv100k" || name == "kv100k-bad") {
    bench_generated_kv(name == "kv100k-bad");
  } else {
    return false;
  }
  return true;
}

// Runs each case in a fresh process (this program with --only CASE); returns how many failed.
int run_isolated(const char* self, const std::vector<std::string>& cases,
                 const std::string& etcd_dir) {
  int failures = 0;
  long peak_kib = 0;
  for (const std::string& name : cases) {
    std::fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
      std::vector<const char*> args = {self, "--only", name.c_str()};
      if (!etcd_dir.empty()) args.insert(args.end(), {"--etcd", etcd_dir.c_str()});
      args.push_back(nullptr);
      execv("/proc/self/exe", const_cast<char* const*>(args.data()));
      std::perror("bench: exec");
      std::_Exit(2);
    }
    int status = 0;
    rusage usage{};
    wait4(child, &status, 0, &usage);
    peak_kib = std::max(peak_kib, usage.ru_maxrss);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failures;
  }
  std::printf("peak resident memory of one case: %.1f MiB; load average now: %s\n",
              static_cast<double>(peak_kib) / 1024, load_average().c_str());
  return failures;
}

}  // namespace

int main(int argc, char** argv) {
  std::string etcd_dir;
  std::vector<std::string> cases;
  bool in_process = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--etcd" && i + 1 < argc) {
      etcd_dir = argv[++i];
    } else if (arg == "--only" && i + 1 < argc) {
      cases.push_back(argv[++i]);
    } else if (arg == "--in-process") {
      in_process = true;
    } else {
      std::cerr << "usage: linearizability [--etcd DIR] [--only CASE]... [--in-process]\n"
                   "  DIR holds Porcupine's etcd_NNN.log files; CASE is one of c01-ok c01-bad\n"
                   "  c10-ok c10-bad c50-ok c50-bad etcd etcd-observes kv100k kv100k-bad.\n"
                   "  Each case runs in a fresh process unless --in-process or one --only.\n";
      return 2;
    }
  }
  bool child = cases.size() == 1 && !in_process;
  if (cases.empty()) {
    cases = kPorcupineKv;
    if (!etcd_dir.empty()) cases.insert(cases.end(), {"etcd", "etcd-observes"});
    cases.insert(cases.end(), {"kv100k", "kv100k-bad"});
  }
  for (const std::string& name : cases) {
    bool valid = std::find(kPorcupineKv.begin(), kPorcupineKv.end(), name) != kPorcupineKv.end() ||
                 name == "kv100k" || name == "kv100k-bad" ||
                 ((name == "etcd" || name == "etcd-observes") && !etcd_dir.empty());
    if (!valid) {
      std::cerr << "bench: unknown case " << name << " (etcd cases need --etcd DIR)\n";
      return 2;
    }
  }
  if (child) {
    run_case(cases.front(), etcd_dir);
    return g_mismatches > 0 ? 1 : 0;
  }
  print_machine();
  if (!in_process) {
    int failures = run_isolated(argv[0], cases, etcd_dir);
    if (failures > 0) std::printf("%d cases failed or gave verdicts that differ\n", failures);
    return failures > 0 ? 1 : 0;
  }
  for (const std::string& name : cases) run_case(name, etcd_dir);
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("peak resident memory: %.1f MiB\n", static_cast<double>(usage.ru_maxrss) / 1024);
  if (g_mismatches > 0) {
    std::printf("%d verdicts differ from the known ones\n", g_mismatches);
    return 1;
  }
  return 0;
}
