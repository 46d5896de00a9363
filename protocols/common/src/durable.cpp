#include "protocols/durable.hpp"

#include "sim/simulation.hpp"

namespace faultline::protocols {
namespace {

std::string tuple_text(const std::array<std::uint64_t, 3>& v) {
  std::string out = std::to_string(v[0]);
  if (v[1] != 0 || v[2] != 0) out += "," + std::to_string(v[1]);
  if (v[2] != 0) out += "," + std::to_string(v[2]);
  return out;
}

}  // namespace

void DurableLedger::on_disk(sim::NodeId node, bool restart) {
  if (node >= highest_.size()) {
    highest_.resize(node + 1);
    disk_.resize(node + 1, 0);
  }
  if (!restart) return;
  const std::uint64_t disk_wipes = sim_ != nullptr ? sim_->disk(node).wipes() : 0;
  if (disk_wipes != disk_[node]) {
    highest_[node].clear();
    disk_[node] = disk_wipes;
  }
}

void DurableLedger::promised(sim::NodeId node, const DurableFacts& facts) {
  on_disk(node, false);
  std::vector<Entry>& known = highest_[node];
  // A protocol names its facts in the same order every time, from the same literals: the
  // entry at the same place, with the same characters, is nearly always the one.
  const auto same = [](std::string_view a, std::string_view b) {
    return a.size() == b.size() && (a.data() == b.data() || a == b);
  };
  const std::vector<DurableFact>& all = facts.all();
  for (std::size_t i = 0; i < all.size(); ++i) {
    const DurableFact& f = all[i];
    Entry* entry = i < known.size() && same(known[i].name, f.name) ? &known[i] : nullptr;
    for (std::size_t k = 0; entry == nullptr && k < known.size(); ++k) {
      if (same(known[k].name, f.name)) entry = &known[k];
    }
    if (entry == nullptr) {
      known.push_back(Entry{f.name, f.value});
    } else if (f.value > entry->value) {
      entry->value = f.value;
    }
  }
}

void DurableLedger::restored(sim::NodeId node, std::string_view name, sim::Time now,
                             const DurableFacts& facts) {
  if (violation_) return;
  on_disk(node, true);
  for (const DurableFact& f : facts.all()) {
    for (const Entry& e : highest_[node]) {
      if (e.name != f.name || !(f.value < e.value)) continue;
      violation_ = std::string(name) + " restarted at " + sim::format_time(now) +
                   " with " + std::string(f.name) + " " + tuple_text(f.value) +
                   ", below the " + tuple_text(e.value) +
                   " it had acted on before the crash (written to disk but never synced, "
                   "or never written)";
      return;
    }
  }
}

void watch_durable_state(sim::Simulation& sim, DurableLedger& ledger) {
  ledger.watch_disks(&sim);
  sim.add_invariant("durable state never goes back",
                    [l = &ledger](const sim::Simulation&) { return l->violation(); });
}

}  // namespace faultline::protocols
