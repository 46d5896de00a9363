#include "checker_random_histories.hpp"

#include <algorithm>

namespace faultline::checker::testing {
namespace {

struct Pending {
  std::size_t process;
  std::string f;
  std::optional<std::string> key;
  nlohmann::json input;
  bool applied = false;
  bool ok = true;         // the op's own result when applied (a cas that did not match: false)
  nlohmann::json output;  // its result when applied
};

// The sequential object: applies one op to the state, filling its result.
class Object {
 public:
  Object(const std::string& model, const nlohmann::json& init) : model_(model), state_(init) {
    if ((model == "kv" || model == "multi-register") && !init.is_object()) {
      fallback_ = init;
      state_ = nlohmann::json::object();
    }
    if ((model == "set" || model == "queue") && init.is_null()) state_ = nlohmann::json::array();
    if (model == "mutex" && init.is_null()) state_ = false;
  }
  void apply(Pending& op);

 private:
  nlohmann::json& slot(const std::string& key) {
    if (!state_.contains(key)) state_[key] = fallback_;
    return state_[key];
  }
  void apply_value(nlohmann::json& value, Pending& op);

  std::string model_;
  nlohmann::json state_;
  nlohmann::json fallback_;
};

void Object::apply_value(nlohmann::json& value, Pending& op) {
  if (op.f == "read" || op.f == "get") {
    op.output = value;
  } else if (op.f == "write" || op.f == "put") {
    value = op.input;
    op.output = op.input;
  } else if (op.f == "append") {
    value =
        (value.is_null() ? std::string() : value.get<std::string>()) + op.input.get<std::string>();
    op.output = op.input;
  } else if (op.f == "cas") {
    op.ok = value == op.input[0];
    if (op.ok) value = op.input[1];
    op.output = op.input;
  }
}

void Object::apply(Pending& op) {
  op.applied = true;
  if (model_ == "register" || model_ == "cas-register") return apply_value(state_, op);
  if (model_ == "kv") return apply_value(slot(*op.key), op);
  if (model_ == "multi-register") {
    op.output = op.input;
    for (auto& m : op.output) {
      if (m[0] == "write")
        slot(m[1]) = m[2];
      else
        m[2] = slot(m[1]);
    }
  } else if (model_ == "set") {
    if (op.f == "add") {
      if (std::find(state_.begin(), state_.end(), op.input) == state_.end())
        state_.push_back(op.input);
    } else {
      op.output = state_;
    }
  } else if (model_ == "queue") {
    if (op.f == "enqueue") {
      state_.push_back(op.input);
    } else if (state_.empty()) {
      op.output = nullptr;
    } else {
      op.output = state_[0];
      state_.erase(state_.begin());
    }
  } else if (model_ == "mutex") {
    bool held = state_.get<bool>();
    op.ok = op.f == "acquire" ? !held : held;
    if (op.ok) state_ = op.f == "acquire";
  }
}

nlohmann::json small_value(Rng& rng) {
  return static_cast<int>(rng.below(3));
}

Pending random_op(const std::string& model, Rng& rng, std::size_t process) {
  Pending op;
  op.process = process;
  auto pick = [&](std::initializer_list<const char*> fs) {
    return std::string(*(fs.begin() + rng.below(fs.size())));
  };
  if (model == "register") {
    op.f = pick({"read", "write"});
    if (op.f == "write") op.input = small_value(rng);
  } else if (model == "cas-register") {
    op.f = pick({"read", "write", "cas", "cas"});
    if (op.f == "write") op.input = small_value(rng);
    if (op.f == "cas") op.input = {small_value(rng), small_value(rng)};
  } else if (model == "kv") {
    op.f = pick({"get", "put", "append", "cas"});
    op.key = rng.chance(1, 2) ? "a" : "b";
    std::string text = rng.chance(1, 2) ? "x" : "y";
    if (op.f == "put" || op.f == "append") op.input = text;
    if (op.f == "cas")
      op.input = {rng.chance(1, 3) ? nlohmann::json(nullptr) : nlohmann::json(text), "z"};
  } else if (model == "kv-pieces") {
    // Appends of distinct pieces, as faultline's clients write them, some never read back:
    // for the search's leaving out of unknown appends that nothing observes.
    // A cas from "" fails once anything was appended: whether an unknown append happened
    // is then observed by the failure, and the append must stay in.
    op.f = pick({"get", "append", "append", "append", "cas", "cas", "put"});
    op.key = rng.chance(7, 8) ? "a" : "b";
    if (op.f == "append") op.input = "p" + std::to_string(rng.below(1000)) + ";";
    if (op.f == "put") op.input = "";
    if (op.f == "cas") op.input = {"", "c;"};
  } else if (model == "kv-appends") {
    // Appends of overlapping pieces ("x" + "y" reads like "xy"), few puts: for the search's
    // read reachability pruning, which reasons about what appends can still make.
    op.f = pick({"get", "get", "append", "append", "append", "put"});
    op.key = rng.chance(3, 4) ? "a" : "b";
    if (op.f == "append") op.input = pick({"x", "y", "xy", "yx", "", "xyx"});
    if (op.f == "put") op.input = pick({"x", "", "yx"});
  } else if (model == "multi-register") {
    op.f = "txn";
    op.input = nlohmann::json::array();
    for (std::uint64_t i = 0, n = 1 + rng.below(2); i < n; ++i) {
      bool write = rng.chance(1, 2);
      op.input.push_back({write ? "write" : "read", rng.chance(1, 2) ? "x" : "y",
                          write ? small_value(rng) : nlohmann::json(nullptr)});
    }
  } else if (model == "set") {
    op.f = pick({"add", "add", "read"});
    if (op.f == "add") op.input = static_cast<int>(rng.below(4));
  } else if (model == "queue") {
    op.f = pick({"enqueue", "dequeue"});
    if (op.f == "enqueue") op.input = small_value(rng);
  } else {
    op.f = pick({"acquire", "release"});
  }
  return op;
}

nlohmann::json random_init(const std::string& model, Rng& rng) {
  if (model == "register" || model == "cas-register")
    return rng.chance(1, 2) ? nlohmann::json(0) : nlohmann::json(nullptr);
  if (model == "kv") return rng.chance(1, 2) ? nlohmann::json("") : nlohmann::json(nullptr);
  if (model == "kv-pieces") return rng.chance(1, 2) ? nlohmann::json("") : nlohmann::json(nullptr);
  if (model == "kv-appends") {
    std::uint64_t pick = rng.below(3);
    return pick == 0 ? nlohmann::json("") : pick == 1 ? nlohmann::json("x") : nlohmann::json();
  }
  if (model == "multi-register")
    return rng.chance(1, 2) ? nlohmann::json({{"x", 0}, {"y", 0}}) : nlohmann::json(nullptr);
  if (model == "set")
    return rng.chance(1, 2) ? nlohmann::json::array({1}) : nlohmann::json(nullptr);
  if (model == "queue")
    return rng.chance(1, 2) ? nlohmann::json::array({2}) : nlohmann::json(nullptr);
  return rng.chance(1, 4);
}

}  // namespace
}  // namespace faultline::checker::testing

namespace faultline::checker::testing {
namespace {

class Simulation {
 public:
  // `flavor` picks the ops (random_op); `model` is the object they act on.
  Simulation(const std::string& flavor, const std::string& model, nlohmann::json init, Rng& rng,
             std::size_t processes)
      : flavor_(flavor), object_(model, std::move(init)), rng_(rng), running_(processes) {}

  std::vector<Event> run(std::size_t ops);

 private:
  void invoke(std::size_t process);
  void advance(std::size_t process);
  void complete(std::size_t process, EventType type);
  std::vector<std::size_t> processes(bool busy) const {
    std::vector<std::size_t> out;
    for (std::size_t p = 0; p < running_.size(); ++p) {
      if (running_[p].has_value() == busy) out.push_back(p);
    }
    return out;
  }

  std::string flavor_;
  Object object_;
  Rng& rng_;
  std::vector<std::optional<Pending>> running_;
  std::vector<Pending> ghosts_;  // outcome reported unknown before taking effect
  std::vector<Event> events_;
};

std::vector<Event> Simulation::run(std::size_t ops) {
  std::size_t started = 0;
  for (;;) {
    auto idle = processes(false);
    auto busy = processes(true);
    if (started == ops && busy.empty()) break;
    // Near the end, an op may stay open forever (never completes).
    if (started == ops && rng_.chance(1, 6)) break;
    if (!ghosts_.empty() && rng_.chance(1, 5)) {
      std::size_t g = rng_.below(ghosts_.size());
      object_.apply(ghosts_[g]);
      ghosts_.erase(ghosts_.begin() + static_cast<std::ptrdiff_t>(g));
    } else if (started < ops && !idle.empty() && (busy.empty() || rng_.chance(1, 2))) {
      invoke(idle[rng_.below(idle.size())]);
      ++started;
    } else if (!busy.empty()) {
      advance(busy[rng_.below(busy.size())]);
    }
  }
  return std::move(events_);
}

void Simulation::invoke(std::size_t process) {
  Pending op = random_op(flavor_, rng_, process);
  Event e;
  e.process = static_cast<std::int64_t>(process);
  e.type = EventType::invoke;
  e.f = op.f;
  e.key = op.key;
  e.value = op.input;
  events_.push_back(e);
  running_[process] = std::move(op);
}

void Simulation::advance(std::size_t process) {
  Pending& op = *running_[process];
  if (op.applied)
    return complete(process, rng_.chance(1, 6) ? EventType::info
                             : op.ok           ? EventType::ok
                                               : EventType::fail);
  if (rng_.chance(1, 10)) return complete(process, EventType::info);  // may take effect later
  if (rng_.chance(1, 14)) return complete(process, EventType::fail);  // never took effect
  object_.apply(op);
}

void Simulation::complete(std::size_t process, EventType type) {
  Pending op = std::move(*running_[process]);
  running_[process].reset();
  Event e;
  e.process = static_cast<std::int64_t>(process);
  e.type = type;
  e.f = op.f;
  if (type == EventType::ok) e.value = op.output;
  if (type == EventType::fail) e.value = op.input;
  events_.push_back(e);
  if (type == EventType::info && !op.applied) ghosts_.push_back(std::move(op));
}

// Changes one ok result, so that the history is (usually) no longer linearizable.
void corrupt(std::vector<Event>& events, Rng& rng) {
  for (int attempt = 0; attempt < 8; ++attempt) {
    Event& e = events[rng.below(events.size())];
    if (e.type == EventType::fail && (e.f == "cas" || e.f == "acquire" || e.f == "release")) {
      e.type = EventType::ok;
      return;
    }
    if (e.type != EventType::ok) continue;
    if (e.f == "read" || e.f == "get" || e.f == "dequeue") {
      static const nlohmann::json choices[] = {0, 1, 2, nullptr, "x", "y", "xy", ""};
      if (e.value.is_array()) {  // a set read
        nlohmann::json v = static_cast<int>(rng.below(4));
        auto at = std::find(e.value.begin(), e.value.end(), v);
        if (at == e.value.end())
          e.value.push_back(v);
        else
          e.value.erase(at);
      } else {
        e.value = choices[rng.below(8)];
      }
      return;
    }
    if (e.f == "txn") {
      for (auto& m : e.value) {
        if (m[0] == "read") {
          m[2] = static_cast<int>(rng.below(3));
          return;
        }
      }
    }
    if (e.f == "cas" || e.f == "acquire" || e.f == "release") {
      e.type = EventType::fail;
      return;
    }
  }
}

}  // namespace

const std::vector<std::string>& random_models() {
  static const std::vector<std::string> models = {
      "register", "cas-register", "kv", "multi-register", "set", "queue", "mutex"};
  return models;
}

RandomCase random_case(const std::string& flavor, Rng& rng, std::size_t max_ops) {
  RandomCase c;
  c.model = flavor == "kv-appends" || flavor == "kv-pieces" ? "kv" : flavor;
  c.init = random_init(flavor, rng);
  c.options.failed_cas_observes = rng.chance(1, 2);
  c.options.nil_read_is_unknown = rng.chance(1, 4);
  Simulation simulation(flavor, c.model, c.init, rng, 1 + rng.below(4));
  std::vector<Event> events = simulation.run(1 + rng.below(max_ops));
  if (rng.chance(1, 2)) corrupt(events, rng);
  HistoryBuilder builder;
  for (Event& e : events) {
    auto error = builder.add(std::move(e));
    if (error) throw std::logic_error("the generator made a bad history: " + *error);
  }
  c.history = std::move(builder).finish();
  return c;
}

}  // namespace faultline::checker::testing
