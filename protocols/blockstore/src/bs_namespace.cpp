#include "blockstore/bs_namespace.hpp"

#include <algorithm>

#include "protocols/codec.hpp"

namespace faultline::blockstore {

std::string_view edit_op_name(EditOp op) {
  static constexpr std::string_view kNames[kEditOps] = {
      "open", "add_block", "update_block", "reopen_block", "complete_block", "abandon_block",
      "close", "reserve_gs"};
  return kNames[static_cast<int>(op)];
}

std::string encode_edit(const Edit& e) {
  protocols::RecordWriter w;
  w.u64(static_cast<std::uint64_t>(e.op)).str(e.file).node(e.holder.client).u64(e.holder.incarnation);
  w.u64(e.holder.session);
  w.u64(e.block).u64(e.gs).u64(e.length).u64(e.nodes.size());
  for (NodeId n : e.nodes) w.node(n);
  return w.seal();
}

std::optional<Edit> decode_edit(std::string_view record) {
  protocols::RecordReader r(record);
  Edit e;
  const std::uint64_t op = r.u64();
  e.file = r.str();
  e.holder.client = r.node();
  e.holder.incarnation = r.u64();
  e.holder.session = r.u64();
  e.block = r.u64();
  e.gs = r.u64();
  e.length = r.u64();
  e.nodes.resize(r.count());
  for (NodeId& n : e.nodes) n = r.node();
  if (!r.done() || op >= kEditOps) return std::nullopt;
  e.op = static_cast<EditOp>(op);
  return e;
}

BlockId Namespace::last_block(const std::string& file) const {
  auto it = files.find(file);
  if (it == files.end() || it->second.blocks.empty()) return kNoBlock;
  return it->second.blocks.back();
}

namespace {

std::string apply_block_edit(Namespace& ns, const Edit& e) {
  auto it = ns.blocks.find(e.block);
  if (it == ns.blocks.end()) return "unknown block " + std::to_string(e.block);
  BlockMeta& b = it->second;
  switch (e.op) {
    case EditOp::update_block:
      if (b.complete || e.gs < b.gs) return "update of a complete block or to an older stamp";
      b.gs = e.gs;
      b.expected = e.nodes;
      return {};
    case EditOp::reopen_block:
      if (!b.complete || ns.last_block(b.file) != b.id) return "reopen of an open or inner block";
      b.complete = false;
      b.expected = e.nodes;
      return {};
    case EditOp::complete_block:
      if (e.gs < b.gs) return "completion at an older stamp";
      b.complete = true;
      b.gs = e.gs;
      b.length = e.length;
      b.expected.clear();
      return {};
    default:
      return "not a block edit";
  }
}

std::string apply_file_edit(Namespace& ns, const Edit& e) {
  if (e.op != EditOp::open && ns.files.count(e.file) == 0) return "unknown file " + e.file;
  FileMeta& f = ns.files[e.file];
  switch (e.op) {
    case EditOp::open:
      f.open = true;
      f.holder = e.holder;
      return {};
    case EditOp::add_block: {
      if (!f.open || ns.blocks.count(e.block) > 0) return "a block added to a closed file or twice";
      if (!f.blocks.empty() && !ns.blocks[f.blocks.back()].complete) return "a block added after an open one";
      f.blocks.push_back(e.block);
      ns.blocks[e.block] = BlockMeta{e.block, e.file, e.gs, 0, false, e.nodes};
      ns.next_block = std::max(ns.next_block, e.block + 1);
      return {};
    }
    case EditOp::abandon_block:
      if (f.blocks.empty() || f.blocks.back() != e.block) return "abandon of a block that is not last";
      f.blocks.pop_back();
      ns.blocks.erase(e.block);
      return {};
    case EditOp::close:
      if (!f.blocks.empty() && !ns.blocks[f.blocks.back()].complete) return "close with an open block";
      f.open = false;
      f.holder = Holder{};
      return {};
    default:
      return "not a file edit";
  }
}

}  // namespace

std::optional<std::string> Namespace::apply(const Edit& e) {
  std::string error;
  switch (e.op) {
    case EditOp::update_block:
    case EditOp::reopen_block:
    case EditOp::complete_block:
      error = apply_block_edit(*this, e);
      break;
    case EditOp::reserve_gs:
      break;
    default:
      error = apply_file_edit(*this, e);
      break;
  }
  if (!error.empty()) return std::string(edit_op_name(e.op)) + ": " + error;
  next_gs = std::max(next_gs, e.gs + 1);
  ++edits;
  return std::nullopt;
}

std::string Namespace::check() const {
  std::map<BlockId, int> seen;
  for (const auto& [name, f] : files) {
    for (std::size_t i = 0; i < f.blocks.size(); ++i) {
      auto it = blocks.find(f.blocks[i]);
      if (it == blocks.end() || it->second.file != name) return "file " + name + " lists a stray block";
      if (++seen[f.blocks[i]] > 1) return "block listed twice";
      if (!it->second.complete && (i + 1 != f.blocks.size() || !f.open)) {
        return "an open block that is not the last of an open file";
      }
    }
  }
  for (const auto& [id, b] : blocks) {
    if (!seen.count(id)) return "block " + std::to_string(id) + " in no file";
    if (id >= next_block || b.gs >= next_gs) return "an id or stamp at or above the next one";
  }
  return {};
}

std::uint64_t Namespace::fingerprint() const {
  std::uint64_t h = mix(next_block, next_gs);
  for (const auto& [name, f] : files) {
    h = mix_text(h, name);
    h = mix(mix(mix(mix(h, f.open), f.holder.client), f.holder.incarnation), f.holder.session);
    for (BlockId b : f.blocks) h = mix(h, b);
  }
  for (const auto& [id, b] : blocks) {
    h = mix(mix(mix(mix(h, id), b.gs), b.length), b.complete);
    for (NodeId n : b.expected) h = mix(h, n);
  }
  return h;
}

}  // namespace faultline::blockstore
