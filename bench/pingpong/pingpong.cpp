// pingpong: P pairs of actors exchanging R round trips through the simulator. Each
// delivery is one queue pop, one fiber switch and one in-memory trace record (with
// --trace; without it events are hashed and counted only). Wall-clock time is measured
// here, outside the simulation, which never reads it.
//
//   build/bench/pingpong --pairs 500 --round-trips 200 --trace --json
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>

#include <nlohmann/json.hpp>

#include "sim/simulation.hpp"

using namespace faultline::sim;

namespace {

struct Ball {
  static constexpr std::string_view kName = "ball";
  static constexpr bool kHashBytes = true;
  std::uint64_t hits = 0;
  void describe(Fields& f) const { f("hits", hits); }
};

double cpu_seconds() {
  timespec t{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

double load_average() {
  double load = 0;
  ::getloadavg(&load, 1);
  return load;
}

std::uint64_t peak_rss_bytes() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"pingpong: the simulator's message throughput"};
  std::uint64_t pairs = 500;
  std::uint64_t round_trips = 200;
  bool trace = false;
  bool json = false;
  std::size_t stack_kib = 64;
  app.add_option("--pairs", pairs, "pairs of actors")->capture_default_str();
  app.add_option("--round-trips", round_trips, "round trips per pair")->capture_default_str();
  app.add_flag("--trace", trace, "keep every event record in memory");
  app.add_flag("--json", json, "print a JSON summary as the last line");
  app.add_option("--stack-kib", stack_kib, "fiber stack size")->capture_default_str();
  std::string guard = "auto";
  app.add_option("--guard-pages", guard,
                 "on, off, or auto (on where the kernel has marker guards, else up to 16,000 "
                 "actors)")
      ->check(CLI::IsMember({"on", "off", "auto"}))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  SimConfig config;
  config.time_limit_ns = kTimeNever - 1;
  config.max_events = ~std::uint64_t{0};
  config.keep_trace = trace;
  config.stack_bytes = stack_kib * 1024;
  // Before Linux 6.13 a guard page costs one memory mapping per stack, and Linux allows
  // ~65k mappings; from 6.13 a guard is a page-table marker.
  config.stack_guard_pages =
      guard == "on" ||
      (guard == "auto" && (Simulation::marker_guard_pages() || pairs * 2 <= 16000));
  config.network.latency = Latency::constant(kMillisecond);
  SeededChoices choices(1);
  Simulation sim(config, choices);
  for (std::uint64_t p = 0; p < pairs; ++p) {
    const auto ponger = static_cast<NodeId>(2 * p + 1);
    sim.add_node({}, lambda_actor([ponger, round_trips](Context& ctx) {
                   for (std::uint64_t i = 0; i < round_trips; ++i) {
                     ctx.send(ponger, Ball{i});
                     ctx.recv();
                   }
                 }));
    sim.add_node({}, lambda_actor([](Context& ctx) {
                   while (auto m = ctx.recv()) ctx.send(m->from, Ball{m->get<Ball>()->hits + 1});
                 }));
  }
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = cpu_seconds();
  const RunResult result = sim.run();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu = cpu_seconds() - cpu_start;
  const std::uint64_t messages = result.stats.messages_delivered;
  if (messages != 2 * pairs * round_trips) {
    std::cerr << "pingpong: expected " << 2 * pairs * round_trips << " deliveries, got "
              << messages << "\n";
    return 1;
  }
  const nlohmann::json summary = {{"pairs", pairs},
                                  {"messages", messages},
                                  {"seconds", seconds},
                                  {"messages_per_sec", static_cast<double>(messages) / seconds},
                                  {"peak_rss_bytes", peak_rss_bytes()},
                                  {"cpu_seconds", cpu},
                                  {"messages_per_cpu_sec", static_cast<double>(messages) / cpu},
                                  {"load_average", load_average()},
                                  {"events", result.events},
                                  {"trace", trace},
                                  {"guard_pages", config.stack_guard_pages},
                                  {"trace_hash", format_hash(result.trace_hash)}};
  if (json) {
    std::cout << summary.dump() << "\n";
  } else {
    std::printf("%llu pairs x %llu round trips: %llu messages in %.3f s = %.2f M messages/s "
                "(%.2f M per CPU second, load %.1f), peak RSS %.1f MiB%s\n",
                static_cast<unsigned long long>(pairs), static_cast<unsigned long long>(round_trips),
                static_cast<unsigned long long>(messages), seconds,
                static_cast<double>(messages) / seconds / 1e6, static_cast<double>(messages) / cpu / 1e6,
                load_average(), static_cast<double>(peak_rss_bytes()) / (1 << 20),
                trace ? " (trace kept)" : "");
  }
  return 0;
}
