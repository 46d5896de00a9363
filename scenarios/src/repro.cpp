#include "scenarios/repro.hpp"

#include <cstring>
#include <fstream>

#include "protocols/registry.hpp"
#include "scenarios/json_input.hpp"
#include "sim/trace_export.hpp"

namespace faultline::scenarios {
namespace {

constexpr std::string_view kKindLetters = "dxuorftlckSg";  // by ChoiceKind; S: schedule

char kind_letter(sim::ChoiceKind k) {
  const char c = kKindLetters[static_cast<std::size_t>(k)];
  return c == 'S' ? 's' : c;
}

std::optional<sim::ChoiceKind> letter_kind(char c) {
  if (c == 's') return sim::ChoiceKind::schedule;
  const auto i = kKindLetters.find(c);
  if (i == std::string_view::npos || c == 'S') return std::nullopt;
  return static_cast<sim::ChoiceKind>(i);
}

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string digests_text(const std::vector<std::uint16_t>& d) {
  std::string bytes;
  for (std::uint16_t v : d) {
    bytes.push_back(static_cast<char>(v & 0xff));
    bytes.push_back(static_cast<char>(v >> 8));
  }
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    std::uint32_t n = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 2]);
    out.push_back(kBase64[(n >> 18) & 63]);
    out.push_back(kBase64[(n >> 12) & 63]);
    out.push_back(i + 1 < bytes.size() ? kBase64[(n >> 6) & 63] : '=');
    out.push_back(i + 2 < bytes.size() ? kBase64[n & 63] : '=');
  }
  return out;
}

std::vector<std::uint16_t> digests_from(const std::string& text, const JsonField& where) {
  std::string bytes;
  std::uint32_t n = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=') break;
    const char* p = std::strchr(kBase64, c);
    if (p == nullptr || c == '\0') where.fail("expected base64 text");
    n = (n << 6) | static_cast<std::uint32_t>(p - kBase64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push_back(static_cast<char>((n >> bits) & 0xff));
    }
  }
  if (bytes.size() % 2 != 0) where.fail("expected an even number of bytes (16-bit digests)");
  std::vector<std::uint16_t> d;
  for (std::size_t i = 0; i < bytes.size(); i += 2) {
    d.push_back(static_cast<std::uint16_t>(static_cast<unsigned char>(bytes[i]) |
                                           (static_cast<unsigned char>(bytes[i + 1]) << 8)));
  }
  return d;
}

// An option value as a scenario writes it: numbers and booleans as JSON, others as text.
nlohmann::json typed(const protocols::OptionSpec* spec, const std::string& text) {
  if (spec != nullptr && spec->type == protocols::OptionType::integer) {
    try {
      return std::stoll(text);
    } catch (const std::exception&) {
      return text;  // validation will name it
    }
  }
  if (spec != nullptr && spec->type == protocols::OptionType::boolean) {
    if (text == "true" || text == "1" || text == "yes" || text == "on") return true;
    if (text == "false" || text == "0" || text == "no" || text == "off") return false;
  }
  return text;
}

nlohmann::json millis_json(sim::Duration ns) {
  if (ns % sim::kMillisecond == 0) return ns / sim::kMillisecond;
  return static_cast<double>(ns) / 1e6;
}

}  // namespace

std::string encode_tape(const sim::Tape& tape) {
  std::string out;
  out.reserve(tape.size() * 6);
  for (const sim::Choice& c : tape) {
    out.push_back(kind_letter(c.kind));
    out += std::to_string(c.value);
    out.push_back('/');
    out += std::to_string(c.n);
  }
  return out;
}

sim::Tape decode_tape(const std::string& text, const std::string& where) {
  sim::Tape tape;
  std::size_t i = 0;
  auto number = [&](const char* what) -> std::uint32_t {
    const std::size_t start = i;
    std::uint64_t v = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9' && i - start < 11) {
      v = v * 10 + static_cast<std::uint64_t>(text[i++] - '0');
    }
    if (i == start || v > 0xffffffffULL) {
      throw BadInput(where, "choice " + std::to_string(tape.size()) + " (character " +
                                std::to_string(start) + "): expected " + what);
    }
    return static_cast<std::uint32_t>(v);
  };
  while (i < text.size()) {
    const std::optional<sim::ChoiceKind> kind = letter_kind(text[i]);
    if (!kind) {
      throw BadInput(where, "choice " + std::to_string(tape.size()) + " (character " +
                                std::to_string(i) + "): expected a kind letter (" +
                                std::string("dxuorftlckgs") + "), got '" + text[i] + "'");
    }
    ++i;
    const std::uint32_t value = number("a value");
    if (i >= text.size() || text[i] != '/') {
      throw BadInput(where, "choice " + std::to_string(tape.size()) + ": expected '/' after the value");
    }
    ++i;
    const std::uint32_t n = number("the number of options");
    if (n < 2 || value >= n) {
      throw BadInput(where, "choice " + std::to_string(tape.size()) + ": value " +
                                std::to_string(value) + " is not below its " + std::to_string(n) +
                                " options (a choice has at least 2)");
    }
    tape.push_back(sim::Choice{n, value, *kind});
  }
  return tape;
}

nlohmann::json bake_scenario(const Scenario& s, const protocols::RunSpec& spec,
                             const std::vector<std::string>& bugs) {
  const protocols::Protocol& p = *protocols::find_protocol(s.protocol);
  nlohmann::json j = s.source.is_object() ? s.source : nlohmann::json::object();
  j["format"] = kScenarioFormat;
  if (!j.contains("name")) j["name"] = s.name;
  j["protocol"] = s.protocol;
  j["seed"] = spec.seed;
  j.erase("nodes");
  j.erase("workload");
  nlohmann::json options = nlohmann::json::object();
  for (const auto& [name, text] : spec.options.values()) options[name] = typed(p.options.find(name), text);
  if (options.empty()) j.erase("options");
  else j["options"] = options;
  if (bugs.empty()) j.erase("bugs");
  else j["bugs"] = bugs;
  j["run_ms"] = millis_json(spec.time_limit_ns);
  j.erase("liveness_ms");  // the run length above already includes the healed phase
  return j;
}

Scenario scenario_for_run(const protocols::Protocol& protocol, const protocols::RunSpec& spec,
                          const std::string& fault_mode) {
  nlohmann::json j = {{"format", kScenarioFormat},
                      {"name", "run --protocol " + protocol.name},
                      {"description", "a run made by `faultline run --protocol " + protocol.name +
                                          "`, recorded as a scenario"},
                      {"protocol", protocol.name},
                      {"seed", spec.seed},
                      {"random_faults", fault_mode}};
  nlohmann::json options = nlohmann::json::object();
  for (const auto& [name, text] : spec.options.values()) {
    options[name] = typed(protocol.options.find(name), text);
  }
  if (!options.empty()) j["options"] = options;
  if (!spec.bugs.empty()) j["bugs"] = spec.bugs;
  if (spec.time_limit_ns > 0) j["run_ms"] = millis_json(spec.time_limit_ns);
  return parse_scenario(j, "the command line");
}

Repro make_repro(const Scenario& s, const ScenarioRun& run, const std::string& version) {
  Repro r;
  r.scenario = bake_scenario(s, run.spec, run.spec.bugs);
  r.seed = run.spec.seed;
  r.max_events = run.spec.max_events;
  r.tape = run.out.choices->tape();
  r.version = version;
  r.verdict = std::string(sim::verdict_name(run.out.verdict()));
  r.trace_hash = run.out.result.trace_hash;
  r.events = run.out.result.events;
  r.sim_time_ns = run.out.result.sim_time_ns;
  for (const sim::Finding& f : run.out.result.findings) {
    r.findings.push_back({std::string(sim::finding_kind_name(f.kind)), f.name,
                          f.message.substr(0, 2000), f.event_index});
  }
  r.digests = run.out.sim->trace().digests();
  return r;
}

nlohmann::json repro_to_json(const Repro& r) {
  nlohmann::json findings = nlohmann::json::array();
  for (const ReproFinding& f : r.findings) {
    findings.push_back({{"kind", f.kind}, {"name", f.name}, {"message", f.message}, {"event", f.event}});
  }
  nlohmann::json j = {{"format", kReproFormat},
                      {"faultline_version", r.version},
                      {"scenario", r.scenario},
                      {"seed", r.seed},
                      {"tape", encode_tape(r.tape)},
                      {"result",
                       {{"verdict", r.verdict},
                        {"trace_hash", sim::format_hash(r.trace_hash)},
                        {"events", r.events},
                        {"sim_time_ns", r.sim_time_ns},
                        {"findings", findings}}}};
  if (r.max_events > 0) j["max_events"] = r.max_events;
  if (!r.digests.empty()) j["event_digests"] = digests_text(r.digests);
  if (!r.notes.empty()) j["notes"] = r.notes;
  return j;
}

Repro repro_from_json(const nlohmann::json& doc, const std::string& file) {
  const JsonField root(doc, file, "$");
  root.expect_document(kReproFormat, {"format", "faultline_version", "scenario", "seed",
                                      "max_events", "tape", "result", "event_digests", "notes"});
  Repro r;
  r.file = file;
  r.version = root.at("faultline_version").string();
  r.scenario = root.at("scenario").json();
  (void)parse_scenario(r.scenario, file + ": $.scenario");  // validated now, named by path
  r.seed = root.at("seed").u64();
  if (auto m = root.get("max_events")) r.max_events = m->u64(1, std::uint64_t{1} << 40);
  const JsonField tape = root.at("tape");
  r.tape = decode_tape(tape.string(), tape.where());
  const JsonField result = root.at("result");
  result.only_fields({"verdict", "trace_hash", "events", "sim_time_ns", "findings"});
  const JsonField verdict = result.at("verdict");
  r.verdict = verdict.string();
  if (r.verdict != "ok" && r.verdict != "violation" && r.verdict != "unknown") {
    verdict.expected("\"ok\", \"violation\" or \"unknown\"");
  }
  const JsonField hash = result.at("trace_hash");
  const std::string h = hash.string();
  if (h.size() < 3 || h.size() > 18 || h.compare(0, 2, "0x") != 0 ||
      h.find_first_not_of("0123456789abcdef", 2) != std::string::npos) {
    hash.expected("a hash such as \"0x5b306aad1857bf59\"");
  }
  r.trace_hash = std::stoull(h.substr(2), nullptr, 16);
  r.events = result.at("events").u64();
  if (auto t = result.get("sim_time_ns")) r.sim_time_ns = static_cast<sim::Time>(t->u64());
  if (auto fs = result.get("findings")) {
    for (const JsonField& f : fs->elements()) {
      f.only_fields({"kind", "name", "message", "event"});
      r.findings.push_back({f.at("kind").string(), f.at("name").string(),
                            f.get("message") ? f.at("message").string() : "",
                            f.get("event") ? f.at("event").u64() : 0});
    }
  }
  if (auto d = root.get("event_digests")) r.digests = digests_from(d->string(), *d);
  if (auto n = root.get("notes")) {
    n->expect_object();
    r.notes = n->json();
  }
  return r;
}

Repro load_repro(const std::string& path) { return repro_from_json(read_json_file(path), path); }

ReplayResult replay(const Repro& r, bool keep_payloads) {
  const Scenario s = parse_scenario(r.scenario, r.file + ": $.scenario");
  Overrides o;
  o.seed = r.seed;
  o.max_events = r.max_events;
  o.keep_payloads = keep_payloads;
  o.keep_digests = true;
  ReplayResult out;
  out.run = run_scenario(s, o, std::make_unique<sim::TapeChoices>(r.tape));
  const sim::RunResult& got = out.run.out.result;
  out.reproduced = got.trace_hash == r.trace_hash;
  if (out.reproduced) {
    // The same run, event for event; what the file says of it must agree too (a hand-made
    // or edited repro with a doubled tape, or verdict "ok" on a violation, replayed as
    // "reproduced exactly").
    std::string edited;
    const std::string verdict(sim::verdict_name(out.run.out.verdict()));
    const auto* tape = dynamic_cast<const sim::TapeChoices*>(&out.run.out.sim->choices());
    if (r.verdict != verdict) {
      edited = "result.verdict says \"" + r.verdict + "\" where the run's is \"" + verdict + "\"";
    } else if (r.events != got.events) {
      edited = "result.events says " + std::to_string(r.events) + " where the run has " +
               std::to_string(got.events);
    } else if (tape != nullptr && !tape->exhausted()) {
      edited = "the tape holds choices the run never asked for";
    }
    if (!edited.empty()) {
      out.reproduced = false;
      out.explanation =
          "the trace hash agrees, but " + edited + ": the file was changed after it was recorded";
    }
    return out;
  }
  const std::vector<std::uint16_t>& now = out.run.out.sim->trace().digests();
  const std::size_t common = std::min(now.size(), r.digests.size());
  std::size_t i = 0;
  while (i < common && now[i] == r.digests[i]) ++i;
  if (!r.digests.empty() && i == common && now.size() == r.digests.size() && got.events == r.events) {
    // Nothing differs but the hash: the file was edited, or a difference hid from the
    // 16-bit digests.
    out.explanation = "every one of the " + std::to_string(r.events) +
                      " events agrees with the recording's per-event digests, but the trace hash "
                      "differs (" + sim::format_hash(got.trace_hash) + ", recorded " +
                      sim::format_hash(r.trace_hash) +
                      "): the file's result.trace_hash or event_digests was edited, or an event "
                      "differs in a way its 16-bit digest missed";
    return out;
  }
  if (r.digests.empty()) {
    out.explanation = "the trace hash differs (" + sim::format_hash(got.trace_hash) + ", recorded " +
                      sim::format_hash(r.trace_hash) + "); the repro keeps no per-event digests";
  } else if (i < now.size() && out.run.out.sim->trace().kept()) {
    out.first_difference = i;
    out.explanation = "the replay differs from the recording first at event " + std::to_string(i) +
                      " of " + std::to_string(r.events) + ": the replay has \"" +
                      sim::describe_event(*out.run.out.sim, i) + "\"";
  } else {
    out.first_difference = i;
    out.explanation = "the replay has " + std::to_string(now.size()) + " events where the recording had " +
                      std::to_string(r.events) + "; they agree up to event " + std::to_string(i);
  }
  if (got.tape_misfits > 0 && got.first_misfit) {
    out.explanation += "; " + std::to_string(got.tape_misfits) +
                       " recorded choices did not fit the replay, the first: " + got.first_misfit->describe();
  }
  out.explanation += " (the code changed since the recording, or a run is not deterministic)";
  return out;
}

}  // namespace faultline::scenarios
