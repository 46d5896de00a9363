#pragma once
// Repro files ("faultline-repro/1", docs/formats.md): one exact run — a scenario (with
// every option and override baked in), the seed, the tape of every choice the run drew,
// and what the run did (its verdict, findings, trace hash, a 16-bit digest per event).
// `faultline replay` runs the scenario on the tape and checks the hash; on a mismatch it
// names the first event that differs (a code change, or nondeterminism).
//
// Written by `run --save-repro`, `fuzz` and `shrink`; self-contained: it records the
// faultline version and needs nothing but the registry's protocols to replay.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scenarios/scenario.hpp"
#include "sim/choice.hpp"

namespace faultline::scenarios {

inline constexpr std::string_view kReproFormat = "faultline-repro/1";

struct ReproFinding {
  std::string kind;
  std::string name;
  std::string message;
  std::uint64_t event = 0;
};

struct Repro {
  std::string file;            // where it was read from, for errors
  nlohmann::json scenario;     // a faultline-scenario/1 object, overrides baked in
  std::uint64_t seed = 0;
  std::uint64_t max_events = 0;
  sim::Tape tape;
  std::string version;         // the faultline that recorded it
  // What the recorded run did.
  std::string verdict;
  std::uint64_t trace_hash = 0;
  std::uint64_t events = 0;
  sim::Time sim_time_ns = 0;
  std::vector<ReproFinding> findings;
  std::vector<std::uint16_t> digests;  // per event (may be empty)
  nlohmann::json notes = nlohmann::json::object();  // e.g. shrink statistics
};

// The tape as text: each choice "<kind letter><value>/<n>", concatenated
// (d=delay x=drop u=duplicate o=reorder r=random f=fault t=target l=duration c=clock
// k=disk s=schedule g=config).
std::string encode_tape(const sim::Tape& tape);
sim::Tape decode_tape(const std::string& text, const std::string& where);

// The scenario of a finished run with its overrides baked in, as JSON.
nlohmann::json bake_scenario(const Scenario& s, const protocols::RunSpec& spec,
                             const std::vector<std::string>& bugs);

// A repro of `run` (run with keep_digests for per-event digests).
Repro make_repro(const Scenario& s, const ScenarioRun& run, const std::string& version);

nlohmann::json repro_to_json(const Repro& r);
Repro repro_from_json(const nlohmann::json& doc, const std::string& file);
Repro load_repro(const std::string& path);

struct ReplayResult {
  ScenarioRun run;
  bool reproduced = false;             // same trace hash
  std::optional<std::uint64_t> first_difference;  // event index, when digests tell it
  std::string explanation;             // what differed, as a sentence
};

// Replays exactly (the tape; quiet choices once it ends). `keep_payloads` for --trace.
ReplayResult replay(const Repro& r, bool keep_payloads = false);

}  // namespace faultline::scenarios
