// `faultline fuzz`: many seeds of a protocol's generic swarm profile (or of a scenario
// template), on several threads; every distinct failure saved as a repro file and shrunk.
// `faultline shrink`: the smallest run that still fails the way a repro file fails.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <mutex>
#include <set>

#include "cli_common.hpp"
#include "exit_status.hpp"
#include "protocols/registry.hpp"
#include "scenarios/fuzz.hpp"
#include "scenarios/json_input.hpp"
#include "scenarios/shrink.hpp"
#include "verbs.hpp"

namespace faultline::cli {
namespace {

std::atomic<bool> g_interrupted{false};
std::atomic<int> g_signal{0};
// SIGINT (Ctrl-C) and SIGTERM (what Slurm's scancel and time limit send, and what GNU
// parallel sends its jobs when it is interrupted or times them out) stop the campaign after
// the seeds running now; a second one of the same ends the process at once.
extern "C" void on_campaign_interrupt(int sig) {
  g_signal = sig;
  g_interrupted = true;
  std::signal(sig, SIG_DFL);
}

// The seeds of a hunt (--bug without --seeds): Raft's slowest planted bugs need a few
// thousand seeds of its generic profile, at about 150 seeds per second.
constexpr std::uint64_t kHuntSeeds = 20000;

struct FuzzFlags {
  std::string protocol;
  std::string scenario;
  std::vector<std::string> bugs;
  std::uint64_t seeds = 1000;
  bool seeds_given = false;
  std::uint64_t seed_start = 1;
  unsigned jobs = 1;
  double time_budget = 0;
  bool stop_on_first = false;
  std::string out;
  std::string results;
  std::string shard;
  std::vector<std::string> merge;
  bool no_shrink = false;
  std::uint64_t shrink_runs = 6000;
  bool json = false;
};

std::string slug(const std::string& text) {
  std::string out;
  for (char c : text) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  return out;
}

std::pair<std::uint32_t, std::uint32_t> parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  try {
    if (slash != std::string::npos && text.find('/', slash + 1) == std::string::npos) {
      const std::uint64_t i = std::stoull(text.substr(0, slash));
      const std::uint64_t n = std::stoull(text.substr(slash + 1));
      if (n >= 1 && i < n && n <= 1000000 && text.find_first_not_of("0123456789/") == std::string::npos) {
        return {static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(n)};
      }
    }
  } catch (const std::exception&) {
  }
  throw protocols::BadInput("--shard " + text, "expected I/N with 0 <= I < N <= 1000000, e.g. 2/8");
}

// Progress on standard error: one updating line on a terminal, a line now and then
// otherwise; nothing on standard output but results.
class Progress {
 public:
  explicit Progress(std::string name) : name_(std::move(name)), tty_(::isatty(2) != 0) {}
  void update(const scenarios::FuzzProgress& p) {
    std::lock_guard<std::mutex> lock(mu_);
    const bool due = tty_ ? p.elapsed_s - last_ >= 0.2 : p.elapsed_s - last_ >= 10;
    if (!due && !(planned_done(p))) return;
    last_ = p.elapsed_s;
    const double rate = p.elapsed_s > 0 ? p.done / p.elapsed_s : 0;
    std::string line = name_ + ": " + std::to_string(p.done) +
                       (p.planned ? "/" + std::to_string(p.planned) : "") + " seeds, " +
                       std::to_string(static_cast<long>(rate)) + "/s, " + std::to_string(p.failures) +
                       " failing, " + std::to_string(static_cast<long>(p.elapsed_s)) + "s";
    if (p.planned && rate > 0) line += ", about " + std::to_string(static_cast<long>((p.planned - p.done) / rate)) + "s left";
    if (tty_) std::cerr << "\r" << line << "   " << std::flush;
    else std::cerr << line << "\n";
    shown_ = true;
  }
  void done() {
    if (tty_ && shown_) std::cerr << "\n";
  }

 private:
  static bool planned_done(const scenarios::FuzzProgress& p) { return p.planned && p.done == p.planned; }
  std::mutex mu_;
  std::string name_;
  bool tty_;
  bool shown_ = false;
  double last_ = 0;
};

// A results file whose last line has no newline was cut off while it was written (the
// process was killed, the disk filled): that seed did not finish, so the line goes, and
// the appended results start on a line of their own. Only a cut-off results line goes: a
// tail that does not begin as every results line does (another file given by mistake, a
// single-line JSON document, notes) is left for the reader to refuse, untouched.
void drop_torn_line(const std::string& path) {
  namespace fs = std::filesystem;
  // Every results line begins with its first key: `{"events":`.
  static const std::string kStart = [] {
    const std::string line = scenarios::SeedResult{}.to_json().dump();
    return line.substr(0, line.find(':') + 1);
  }();
  // A results line is a few hundred bytes; a tail longer than this is not a cut-off one.
  constexpr std::uintmax_t kLongestTail = 64 * 1024;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw protocols::BadInput("--results " + path, "cannot read this file");
  const std::uintmax_t size = fs::file_size(path);
  const std::uintmax_t from = size > kLongestTail ? size - kLongestTail : 0;
  std::string tail(static_cast<std::size_t>(size - from), '\0');
  in.seekg(static_cast<std::streamoff>(from));
  in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
  if (!in) throw protocols::BadInput("--results " + path, "cannot read this file");
  const std::size_t newline = tail.rfind('\n');
  if (newline == std::string::npos && from > 0) return;  // too long to be a results line
  const std::size_t cut = newline == std::string::npos ? 0 : newline + 1;
  const std::string_view torn = std::string_view(tail).substr(cut);
  if (torn.empty()) return;
  const bool results_line =
      torn.size() <= kStart.size() ? kStart.starts_with(torn) : torn.starts_with(kStart);
  if (!results_line) return;
  const std::uintmax_t keep = from + cut;
  in.close();
  fs::resize_file(path, keep);
  std::cerr << "fuzz: " << path << " ended in a cut-off line (" << size - keep
            << " bytes); dropped it, its seed runs again\n";
  FAULTLINE_ASSERT(fs::file_size(path) == keep, "the cut-off line is gone");
}

// The next line of a results file into `line`; false at its end. A results line is a few
// hundred bytes: a longer one is refused before it is all in memory (`--merge /dev/zero`
// grew without end).
bool next_result_line(std::istream& in, std::string& line, const std::string& path, std::size_t n) {
  constexpr std::size_t kLongest = 64 * 1024;
  line.clear();
  for (int c; (c = in.get()) != std::char_traits<char>::eof();) {
    if (c == '\n') return true;
    if (line.size() == kLongest) {
      throw protocols::BadInput(path + ":" + std::to_string(n),
                                "a line longer than " + std::to_string(kLongest) +
                                    " bytes: not a results file (one JSON object per line)");
    }
    line.push_back(static_cast<char>(c));
  }
  return !line.empty();
}

// Line `n` of a results file: the line as read, its protocol and its seed's result.
struct ResultLine {
  nlohmann::json json;
  std::string protocol;
  scenarios::SeedResult result;
};

ResultLine read_result_line(const std::string& line, const std::string& path, std::size_t n) {
  const std::string where = path + ":" + std::to_string(n);
  ResultLine r;
  r.json = scenarios::parse_json_line(line, path, n);
  r.protocol = scenarios::JsonField(r.json, where, "$").at("protocol").string();
  nlohmann::json rest = r.json;
  rest.erase("protocol");
  r.result = scenarios::SeedResult::from_json(rest, where);
  return r;
}

// What a results file holds (a campaign resumed), checked line by line: its seeds, and
// the lowest failing seed of each protocol and property, whose repro an earlier part saved.
struct Earlier {
  std::set<std::pair<std::string, std::uint64_t>> seeds;
  std::map<std::pair<std::string, std::string>, std::uint64_t> first_failure;
};

Earlier read_earlier(const std::string& path) {
  drop_torn_line(path);
  Earlier e;
  std::ifstream in(path, std::ios::binary);
  std::string line;
  for (std::size_t n = 1; next_result_line(in, line, path, n); ++n) {
    if (line.empty()) continue;
    const ResultLine r = read_result_line(line, path, n);
    e.seeds.insert({r.protocol, r.result.seed});
    if (r.result.verdict != "violation" || r.result.violation.empty()) continue;
    auto [it, fresh] = e.first_failure.try_emplace({r.protocol, r.result.violation}, r.result.seed);
    if (!fresh) it->second = std::min(it->second, r.result.seed);
  }
  return e;
}

struct Saved {
  std::string repro;
  std::string shrunk;
  scenarios::ShrinkResult shrink;
};

Saved save_failure(const FuzzFlags& f, const scenarios::FuzzConfig& c, const std::string& protocol,
                   const scenarios::SeedResult& r) {
  Saved saved;
  const std::string base = f.out + "/" + protocol + "-" + slug(r.violation) + "-seed" + std::to_string(r.seed);
  const scenarios::ScenarioRun run = scenarios::fuzz_run(c, r.seed, true);
  const scenarios::Repro repro = scenarios::make_repro(c.base, run, FAULTLINE_VERSION);
  saved.repro = save_in_out_dir(base, scenarios::repro_to_json(repro).dump(1) + "\n");
  if (f.no_shrink) return saved;
  scenarios::Repro located = repro;
  located.file = saved.repro;
  // Ctrl-C during a shrink stops it (it went on to the end of its budget, minutes for a
  // long failure): what it found so far is saved, a smaller run that fails the same way.
  saved.shrink = scenarios::shrink(located, f.shrink_runs, {}, FAULTLINE_VERSION, &g_interrupted);
  // Beside its repro: X.json's shrunk repro is X-shrunk.json.
  const std::string stem = saved.repro.substr(0, saved.repro.size() - 5);
  saved.shrunk = save_in_out_dir(stem + "-shrunk", scenarios::repro_to_json(saved.shrink.repro).dump(1) + "\n");
  return saved;
}

// When a shrunk timeline has more trace events than the run it came from, they are its
// lines naming the faults (the run given had a random schedule, which logs none).
std::string fault_lines_text(const nlohmann::json& before, const nlohmann::json& after) {
  const auto lines = after["fault_lines"].get<std::uint64_t>();
  if (after["events"].get<std::uint64_t>() <= before["events"].get<std::uint64_t>() || lines == 0)
    return "";
  return ", " + std::to_string(lines) + " of them the timeline's lines naming its faults";
}

// Whether a failure of a campaign with planted bugs is theirs (scenarios::attribute).
std::string attribution_text(const nlohmann::json& failure) {
  const nlohmann::json& off = failure["without_bugs"];
  std::string text = failure["bug_declares"].get<bool>() ? "a property the bug declares"
                                                         : "not a property the bug declares";
  if (off["verdict"] == "ok") return text + "; the same seed without the bug's code is ok";
  if (off["verdict"] == "violation") {
    return text + "; the same seed without the bug's code fails too (" +
           off["violation"].get<std::string>() +
           "): not the bug's doing (look at the protocol, the scenario's faults or faultline)";
  }
  return text + "; the same seed without the bug's code is " + off["verdict"].get<std::string>();
}

struct CampaignTotals {
  std::uint64_t seeds = 0, failures = 0, unknown = 0;
  double seconds = 0;
  bool interrupted = false;
  nlohmann::json repros = nlohmann::json::array();
  nlohmann::json campaigns = nlohmann::json::array();
};

void campaign(const FuzzFlags& f, const std::string& protocol, scenarios::FuzzConfig c,
              std::ofstream* results, const Earlier& earlier, CampaignTotals& t) {
  const std::set<std::pair<std::string, std::uint64_t>>& done = earlier.seeds;
  Progress progress("fuzz " + (f.scenario.empty() ? protocol : f.scenario));
  std::mutex mu;
  scenarios::FuzzHooks hooks;
  hooks.interrupted = &g_interrupted;
  hooks.skip = [&](std::uint64_t seed) { return done.count({protocol, seed}) > 0; };
  hooks.on_progress = [&](const scenarios::FuzzProgress& p) { progress.update(p); };
  hooks.on_result = [&](const scenarios::SeedResult& r) {
    if (results == nullptr) return;
    nlohmann::json j = r.to_json();
    j["protocol"] = protocol;
    std::lock_guard<std::mutex> lock(mu);
    *results << j.dump() << '\n' << std::flush;
  };
  const scenarios::FuzzReport report = scenarios::fuzz(c, hooks);
  progress.done();
  t.seeds += report.seeds_run;
  t.failures += report.failures;
  t.unknown += report.unknown;
  t.seconds += report.seconds;
  t.interrupted = t.interrupted || report.interrupted;
  nlohmann::json failures = nlohmann::json::array();
  for (const scenarios::SeedResult& r : report.distinct()) {
    nlohmann::json failure = {{"property", r.violation}, {"kind", r.kind}, {"seed", r.seed}};
    // A resumed campaign whose earlier part failed the same way at a lower seed saved that
    // one: the same distinct failure as one uninterrupted campaign, not a second repro.
    const auto before = earlier.first_failure.find({protocol, r.violation});
    if (before != earlier.first_failure.end() && before->second < r.seed) {
      failure["seed"] = before->second;
      failure["found_before"] = true;
      failures.push_back(failure);
      continue;
    }
    if (const std::optional<scenarios::BugAttribution> a = scenarios::attribute(c, r)) {
      failure["bug_declares"] = a->declared;
      failure["without_bugs"] = {{"verdict", a->without_bugs.verdict},
                                 {"violation", a->without_bugs.violation}};
    }
    if (!f.out.empty()) {
      const Saved s = save_failure(f, c, protocol, r);
      failure["repro"] = s.repro;
      t.repros.push_back(s.repro);
      if (!s.shrunk.empty()) {
        failure["shrunk"] = s.shrunk;
        failure["shrunk_from"] = s.shrink.before.to_json();
        failure["shrunk_to"] = s.shrink.after.to_json();
        failure["shrink_runs"] = s.shrink.runs;
        // It stopped at its budget, not because no pass found anything smaller.
        failure["shrink_cut"] = s.shrink.runs >= f.shrink_runs || s.shrink.stopped;
        failure["shrink_interrupted"] = s.shrink.stopped;
        t.repros.push_back(s.shrunk);
      }
    }
    failures.push_back(failure);
  }
  nlohmann::json one = {{"protocol", protocol},  {"seeds_run", report.seeds_run},
                        {"failures", report.failures}, {"unknown", report.unknown},
                        {"seconds", report.seconds},   {"distinct_failures", failures}};
  if (report.resume_from) one["resume_from"] = *report.resume_from;
  t.campaigns.push_back(one);
  if (!f.json) {
    std::cout << "fuzz " << protocol << ": " << report.seeds_run << " seeds in " << report.seconds
              << " s (" << static_cast<long>(report.seconds > 0 ? report.seeds_run / report.seconds : 0)
              << " seeds/s), " << report.failures << " failing, " << report.unknown << " unknown\n";
    for (const auto& fl : failures) {
      std::cout << "  " << fl["property"].get<std::string>() << " first at seed " << fl["seed"];
      if (fl.contains("found_before")) std::cout << ", in " << f.results << " before (saved then)";
      if (fl.contains("repro")) std::cout << ": " << fl["repro"].get<std::string>();
      if (fl.contains("without_bugs")) std::cout << "\n    " << attribution_text(fl);
      if (fl.contains("shrunk")) {
        std::cout << "\n    shrunk: " << fl["shrunk"].get<std::string>() << " (faults "
                  << fl["shrunk_from"]["faults"] << " -> " << fl["shrunk_to"]["faults"]
                  << ", events " << fl["shrunk_from"]["events"] << " -> "
                  << fl["shrunk_to"]["events"]
                  << fault_lines_text(fl["shrunk_from"], fl["shrunk_to"]) << ")";
        if (fl["shrink_interrupted"].get<bool>()) {
          std::cout << "\n    the shrink was interrupted after " << fl["shrink_runs"]
                    << " runs; to go on: faultline shrink " << fl["repro"].get<std::string>()
                    << " -o small.json";
        } else if (fl["shrink_cut"].get<bool>()) {
          std::cout << "\n    the shrink stopped at its budget of " << f.shrink_runs
                    << " runs; more may go further: faultline shrink " << fl["repro"].get<std::string>()
                    << " -o small.json --max-runs " << 10 * f.shrink_runs;
        }
      }
      std::cout << "\n";
    }
  }
}

// Two lines of one seed agree when everything but the wall time (which differs between
// machines and runs) does: a seed's run is a function of the seed and the code alone.
bool same_result(nlohmann::json a, nlohmann::json b) {
  a.erase("wall_ms");
  b.erase("wall_ms");
  return a == b;
}

int merge_main(const FuzzFlags& f) {
  // The merged file may not replace a shard it is made from: write it elsewhere.
  std::vector<PathUse> paths{{"--results", f.results}};
  for (const std::string& path : f.merge) paths.push_back({"--merge", path, false});
  check_distinct_paths(paths);
  std::map<std::pair<std::string, std::uint64_t>, nlohmann::json> merged;
  std::map<std::pair<std::string, std::uint64_t>, std::string> from;
  for (const std::string& path : f.merge) {
    if (path.size() > 1 && path[0] == '-') {
      // CLI11 hands --merge the options that follow it as more file names.
      throw protocols::BadInput("--merge " + path,
                                "is an option, not a results file: give the other options "
                                "before --merge, and the files after it (./" +
                                    path + " for a file of that name)");
    }
    std::error_code ec;
    // A directory opens as a stream that reads nothing: it would merge as an empty shard.
    if (std::filesystem::is_directory(path, ec)) {
      throw protocols::BadInput("--merge " + path, "is a directory, not a results file");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) throw protocols::BadInput("--merge " + path, "cannot open it for reading");
    std::string line;
    for (std::size_t n = 1; next_result_line(in, line, path, n); ++n) {
      if (line.empty()) continue;
      const std::string where = path + ":" + std::to_string(n);
      ResultLine r = read_result_line(line, path, n);
      const auto key = std::make_pair(r.protocol, r.result.seed);
      if (merged.count(key) && !same_result(merged[key], r.json)) {
        throw protocols::BadInput(where, "seed " + std::to_string(r.result.seed) + " of " +
                                             r.protocol + " differs from the same seed in " +
                                             from[key] + ": the results come from different code");
      }
      merged[key] = std::move(r.json);
      from[key] = where;
    }
  }
  std::uint64_t failures = 0;
  std::map<std::string, std::pair<std::uint64_t, std::string>> first;  // property -> seed
  for (const auto& [key, j] : merged) {
    if (j["verdict"] != "violation") continue;
    ++failures;
    const std::string property = key.first + ": " + j["violation"].get<std::string>();
    if (!first.count(property)) first[property] = {key.second, key.first};
  }
  if (!f.results.empty()) {
    OutputFile out(f.results, "--results");
    for (const auto& [key, j] : merged) out.stream() << j.dump() << '\n';
    out.commit();
  }
  nlohmann::json distinct = nlohmann::json::array();
  for (const auto& [property, seed] : first) distinct.push_back({{"failure", property}, {"seed", seed.first}});
  const nlohmann::json summary = {{"seeds_run", merged.size()}, {"failures", failures}, {"distinct_failures", distinct}};
  if (f.json) {
    std::cout << summary.dump() << '\n';
  } else {
    std::cout << "merged " << f.merge.size() << " files: " << merged.size() << " seeds, " << failures << " failing\n";
    for (const auto& d : distinct) std::cout << "  " << d["failure"].get<std::string>() << " first at seed " << d["seed"] << '\n';
  }
  return failures > 0 ? kExitCheckFailed : kExitOk;
}

int fuzz_main(const FuzzFlags& f) {
  try {
    if (!f.merge.empty()) return merge_main(f);
    if (f.protocol.empty() == f.scenario.empty()) {
      throw protocols::BadInput("", "give --protocol P (or all) or --scenario TEMPLATE.json" +
                                        std::string(f.protocol.empty() ? "" : ", not both"));
    }
    if (f.jobs < 1 || f.jobs > 1024) throw protocols::BadInput("--jobs", "expected 1 to 1024 threads");
    if (f.time_budget < 0) throw protocols::BadInput("--time-budget", "must not be negative");
    if (f.seeds == 0 && f.time_budget == 0) {
      throw protocols::BadInput("--seeds 0",
                                "an unbounded campaign needs --time-budget SEC, above 0");
    }
    // Seeds are 64-bit: a campaign that would pass the largest one is refused rather than
    // wrapped round to seed 0 (which would run seeds the user did not ask for).
    const std::uint64_t count = !f.bugs.empty() && !f.seeds_given && f.time_budget == 0 ? kHuntSeeds : f.seeds;
    if (count > 0 && f.seed_start > std::numeric_limits<std::uint64_t>::max() - (count - 1)) {
      throw protocols::BadInput("--seed-start " + std::to_string(f.seed_start),
                                std::to_string(count) + " seeds from here pass the largest seed, 2^64-1");
    }
    const auto [shard, shards] = f.shard.empty() ? std::pair<std::uint32_t, std::uint32_t>{0, 1} : parse_shard(f.shard);
    // --results is appended to (and read to resume): it must not be the template.
    check_distinct_paths({{"--scenario", f.scenario, false}, {"--results", f.results}});
    if (!f.out.empty()) check_out_dir(f.out, "--out");
    std::vector<std::pair<std::string, scenarios::Scenario>> bases;
    if (!f.scenario.empty()) {
      scenarios::Scenario s = scenarios::load_scenario(f.scenario);
      bases.emplace_back(s.protocol, std::move(s));
    } else {
      for (const protocols::Protocol& p : protocols::all_protocols()) {
        if (f.protocol != "all" && p.name != f.protocol) continue;
        bases.emplace_back(p.name, scenarios::swarm_scenario(p));
      }
      if (bases.empty()) protocol_named(f.protocol, "--protocol");  // throws, listing them
    }
    // A planted bug belongs to one protocol, and --protocol all runs each with the bugs
    // named: say whose bug it is rather than that the first protocol lacks it.
    if (f.protocol == "all" && f.scenario.empty() && !f.bugs.empty()) {
      std::string owners, flags;  // "paxos and multipaxos", "--protocol paxos or --protocol ..."
      int owner_count = 0;
      for (const protocols::Protocol& p : protocols::all_protocols()) {
        if (p.find_bug(f.bugs.front()) == nullptr) continue;
        owners += (owner_count == 0 ? "" : " and ") + p.name;
        flags += (owner_count == 0 ? "--protocol " : " or --protocol ") + p.name;
        ++owner_count;
      }
      const std::string says =
          owner_count == 0 ? "no protocol has it ('faultline list' shows them)"
                     : "only " + owners + (owner_count == 1 ? " has" : " have") + " it: use " + flags;
      throw protocols::BadInput("--bug " + f.bugs.front(),
                                "--protocol all runs every protocol with it, and " + says);
    }
    // Bad bugs and options before anything is printed or a results file is created.
    for (const auto& [protocol, base] : bases) {
      scenarios::Overrides check;
      check.bugs = f.bugs;
      scenarios::validate(base, check);
    }
    for (const auto& [protocol, base] : bases) {
      const protocols::Protocol& p = *protocols::find_protocol(protocol);
      const std::string note =
          untolerated_note(p, protocols::fault_profile(p, base.random_faults, p.default_time_ns));
      if (!note.empty()) std::cerr << "fuzz: " << note << '\n';
    }
    Earlier earlier;
    std::ofstream results;
    if (!f.results.empty()) {
      std::error_code ec;
      const std::filesystem::file_status st = std::filesystem::status(f.results, ec);
      if (std::filesystem::is_directory(st)) {
        throw protocols::BadInput("--results " + f.results, "is a directory, not a file");
      }
      // A regular file is read to resume; a pipe or a device (/dev/stdout) is only written.
      if (std::filesystem::is_regular_file(st)) earlier = read_earlier(f.results);
      results.open(f.results, std::ios::app);
      if (!results) throw protocols::BadInput("--results " + f.results, "cannot append to this file");
      if (!earlier.seeds.empty()) {
        std::cerr << "fuzz: " << f.results << " holds " << earlier.seeds.size()
                  << " finished seeds; this campaign skips those in its range\n";
      }
    }
    std::signal(SIGINT, on_campaign_interrupt);
    std::signal(SIGTERM, on_campaign_interrupt);
    // A hunt: a bug named without a seed count runs until its first failure, within the
    // issue's bound (every planted bug within about a minute of one core).
    const bool hunt = !f.bugs.empty() && !f.seeds_given && f.time_budget == 0;
    if (hunt) {
      std::cerr << "fuzz: hunting " << f.bugs.front() << (f.bugs.size() > 1 ? " and others" : "")
                << ": stops at the first failure, at most " << kHuntSeeds
                << " seeds (--seeds N runs exactly N)\n";
    }
    CampaignTotals totals;
    for (auto& [protocol, base] : bases) {
      scenarios::FuzzConfig c;
      c.base = base;
      c.bugs = f.bugs;
      c.seed_start = f.seed_start;
      c.seeds = hunt ? kHuntSeeds : f.seeds;
      c.shard = shard;
      c.shards = shards;
      c.jobs = f.jobs;
      c.time_budget_s = f.time_budget;
      c.stop_on_first = f.stop_on_first || hunt;
      campaign(f, protocol, c, f.results.empty() ? nullptr : &results, earlier, totals);
      if (g_interrupted) break;
    }
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    const double rate = totals.seconds > 0 ? totals.seeds / totals.seconds : 0;
    if (totals.interrupted) {
      std::cerr << "fuzz: interrupted; " << totals.seeds << " finished seeds were kept"
                << (f.results.empty() ? "" : " in " + f.results)
                << "; to resume, run the same command"
                << (f.results.empty() ? " with --results FILE next time" : " again (seeds in the results file are skipped)")
                << "\n";
    }
    const nlohmann::json summary = {{"seeds_run", totals.seeds},     {"failures", totals.failures},
                                    {"unknown", totals.unknown},     {"seeds_per_sec", rate},
                                    {"repros", totals.repros},       {"campaigns", totals.campaigns},
                                    {"interrupted", totals.interrupted}};
    if (f.json) std::cout << summary.dump() << '\n';
    // The shell's status for a process ended by the signal: 130 (SIGINT), 143 (SIGTERM).
    if (totals.interrupted) return 128 + (g_signal != 0 ? g_signal.load() : SIGINT);
    return totals.failures > 0 ? kExitCheckFailed : kExitOk;
  } catch (const protocols::BadInput& e) {
    return report_error("fuzz", e.what());
  }
}

struct ShrinkFlags {
  std::string repro;
  std::string out;
  std::uint64_t max_runs = 6000;
  bool force = false;
  bool json = false;
};

int shrink_main(const ShrinkFlags& f) {
  try {
    namespace fs = std::filesystem;
    if (f.out.empty()) throw protocols::BadInput("-o", "give the file to write the shrunk repro to");
    std::error_code ec;
    if (fs::is_directory(f.out, ec)) {
      throw protocols::BadInput("-o " + f.out, "is a directory; give the shrunk repro's file name");
    }
    if (fs::exists(f.out) && fs::equivalent(f.out, f.repro, ec)) {
      throw protocols::BadInput("-o " + f.out, "is the input file; write the shrunk repro elsewhere");
    }
    if (fs::exists(f.out) && !f.force) {
      throw protocols::BadInput("-o " + f.out, "exists; pass --force to overwrite it");
    }
    OutputFile out(f.out, "-o");
    const scenarios::Repro repro = scenarios::load_repro(f.repro);
    const bool tty = ::isatty(2) != 0;
    const scenarios::ShrinkResult r = scenarios::shrink(
        repro, f.max_runs, [tty](const std::string& line) { if (tty) std::cerr << "shrink: " << line << "\n"; },
        FAULTLINE_VERSION);
    out.stream() << scenarios::repro_to_json(r.repro).dump(1) << '\n';
    out.commit();
    const nlohmann::json summary = {{"property", r.property}, {"before", r.before.to_json()},
                                    {"after", r.after.to_json()}, {"runs", r.runs},
                                    {"materialized", r.materialized}, {"repro", f.out},
                                    {"cut", r.runs >= f.max_runs}};
    if (f.json) {
      std::cout << summary.dump() << '\n';
    } else {
      std::cout << "shrunk '" << r.property << "' in " << r.runs << " runs: faults "
                << r.before.faults << " -> " << r.after.faults << ", events " << r.before.events
                << " -> " << r.after.events
                << fault_lines_text(r.before.to_json(), r.after.to_json()) << ", tape "
                << r.before.tape << " -> " << r.after.tape << ", simulated "
                << sim::format_time(r.before.sim_time_ns) << " -> "
                << sim::format_time(r.after.sim_time_ns) << "\nrepro: " << f.out
                << " (faultline replay " << f.out << ")\n";
      if (r.runs >= f.max_runs) {
        std::cout << "the shrink stopped at --max-runs " << f.max_runs << "; a larger budget may go further\n";
      }
    }
    return kExitOk;
  } catch (const protocols::BadInput& e) {
    return report_error("shrink", e.what());
  }
}

}  // namespace

Verb add_fuzz_verb(CLI::App& app) {
  auto f = std::make_shared<FuzzFlags>();
  CLI::App* cmd = app.add_subcommand("fuzz", "run many seeds and shrink each failure to a repro file");
  cmd->add_option("--protocol,-p", f->protocol, "protocol, or all (its generic swarm profile)");
  cmd->add_option("--scenario", f->scenario, "a scenario template: its faults stay, the seed varies the rest");
  cmd->add_option("--bug", f->bugs, "switch on a planted bug (repeatable)");
  CLI::Option* seeds = cmd->add_option("--seeds", f->seeds,
                                       "how many seeds (0: until --time-budget); with --bug and no --seeds, "
                                       "a hunt: up to " + std::to_string(kHuntSeeds) +
                                           ", stopping at the first failure")
                           ->capture_default_str()
                           ->check(count_validator());
  cmd->add_option("--seed-start", f->seed_start, "the first seed")
      ->capture_default_str()
      ->check(seed_validator());
  cmd->add_option("--jobs,-j", f->jobs, "threads, one simulation each")
      ->capture_default_str()
      ->check(count_validator(1, 1024));
  cmd->add_option("--time-budget", f->time_budget,
                  "stop after this many seconds of wall time (0: no limit, the default)")
      ->check(seconds_validator());
  cmd->add_flag("--stop-on-first", f->stop_on_first, "stop at the first failure");
  cmd->add_option("--out", f->out, "save each distinct failure here as a repro file, and shrink it");
  cmd->add_option("--results", f->results, "append one JSON line per seed (a campaign resumes from it)");
  cmd->add_option("--shard", f->shard, "run shard I of N of the seeds (I/N), e.g. on N machines");
  cmd->add_option("--merge", f->merge, "combine shards' --results files (and write them to --results)");
  cmd->add_flag("--no-shrink", f->no_shrink, "save failures without shrinking them");
  // At least one: with none, the "shrunk" repro is the found run rewritten as a timeline,
  // which can be larger than the run found (--no-shrink saves that run as it is).
  cmd->add_option("--shrink-runs", f->shrink_runs, "candidate runs a shrink may try (from 1)")
      ->capture_default_str()
      ->check(count_validator(1));
  cmd->add_flag("--json", f->json, "print a JSON summary as the last line");
  return Verb{
      cmd, [f, seeds, cmd] {
        f->seeds_given = seeds->count() > 0;
        if (!f->merge.empty()) {
          // A merge runs no seed: a campaign's flags beside it did nothing, silently.
          for (const char* flag : {"--protocol", "--scenario", "--bug", "--seeds", "--seed-start",
                                   "--jobs", "--time-budget", "--stop-on-first", "--out", "--shard",
                                   "--no-shrink", "--shrink-runs"}) {
            if (cmd->count(flag) > 0) {
              return report_error("fuzz", std::string(flag) +
                                              ": --merge combines results files and runs no "
                                              "seed; give it --results and --json only");
            }
          }
        }
        return fuzz_main(*f);
      }};
}

Verb add_shrink_verb(CLI::App& app) {
  auto f = std::make_shared<ShrinkFlags>();
  CLI::App* cmd = app.add_subcommand("shrink", "shrink a failing repro to the smallest run that still fails");
  cmd->add_option("repro", f->repro, "a repro file of a failing run")->required();
  cmd->add_option("-o,--output", f->out, "where to write the shrunk repro");
  cmd->add_option("--max-runs", f->max_runs, "candidate runs to try at most (from 1)")
      ->capture_default_str()
      ->check(count_validator(1));
  cmd->add_flag("--force", f->force, "overwrite -o if it exists");
  cmd->add_flag("--json", f->json, "print a JSON summary as the last line");
  return Verb{cmd, [f] { return shrink_main(*f); }};
}

}  // namespace faultline::cli
