#include "types/stream.h"

#include <array>
#include <cstdlib>

namespace vireo {

long long StreamIntAt(const Listpack& lp, Listpack::Pos p) {
  long long v = 0;
  if (!lp.GetInt(p, &v)) abort();  // the block layout stores these as integers
  return v;
}

namespace {

// Blocks never grow past 1 GiB, Redis's STREAM_LISTPACK_MAX_SIZE.
constexpr size_t kMaxNodeBytes = size_t(1) << 30;

long long IntAt(const Listpack& lp, Listpack::Pos p) { return StreamIntAt(lp, p); }

void ReplaceInt(Listpack& lp, Listpack::Pos p, long long v) { lp.Replace(p, std::to_string(v)); }

}  // namespace

StreamConsumer* StreamGroup::FindConsumer(std::string_view name) const {
  auto it = consumers.find(std::string(name));
  return it == consumers.end() ? nullptr : it->second.get();
}

StreamConsumer* StreamGroup::CreateConsumer(std::string_view name, int64_t now_ms) {
  auto [it, added] = consumers.try_emplace(std::string(name));
  if (!added) return nullptr;
  it->second = std::make_unique<StreamConsumer>();
  it->second->name = std::string(name);
  it->second->seen_time = now_ms;
  return it->second.get();
}

size_t StreamGroup::DeleteConsumer(std::string_view name) {
  auto it = consumers.find(std::string(name));
  if (it == consumers.end()) return 0;
  size_t pending = it->second->pel.size();
  for (auto& [id, nack] : it->second->pel) pel.erase(id);
  consumers.erase(it);
  return pending;
}

Stream::Stream(const Stream& o)
    : nodes_(o.nodes_),
      length_(o.length_),
      last_id_(o.last_id_),
      first_id_(o.first_id_),
      max_deleted_id_(o.max_deleted_id_),
      entries_added_(o.entries_added_),
      last_appended_(o.last_appended_) {
  // Groups hold pointers between their PELs: rebuild them.
  for (const auto& [name, g] : o.groups_) {
    auto ng = std::make_unique<StreamGroup>();
    ng->last_id = g->last_id;
    ng->entries_read = g->entries_read;
    ng->pel = g->pel;
    for (const auto& [cname, c] : g->consumers) {
      StreamConsumer* nc = ng->CreateConsumer(cname, c->seen_time);
      for (const auto& [id, nack] : c->pel) {
        StreamNack& n = ng->pel[id];
        n.consumer = nc;
        nc->pel[id] = &n;
      }
    }
    groups_[name] = std::move(ng);
  }
}

void Stream::Free(void* obj) { delete static_cast<Stream*>(obj); }
void* Stream::Copy(const void* obj) { return new Stream(*static_cast<const Stream*>(obj)); }

size_t Stream::Memory(const void* obj) {
  const auto* s = static_cast<const Stream*>(obj);
  // Map nodes cost about 48 bytes of tree links each plus their payload.
  constexpr size_t kTreeNode = 48;
  size_t total = sizeof(Stream);
  for (const auto& [id, lp] : s->nodes_) total += kTreeNode + sizeof(StreamID) + sizeof(Listpack) + lp.bytes();
  for (const auto& [name, g] : s->groups_) {
    total += kTreeNode + name.size() + sizeof(StreamGroup);
    total += g->pel.size() * (kTreeNode + sizeof(StreamID) + sizeof(StreamNack));
    for (const auto& [cname, c] : g->consumers) {
      total += kTreeNode + cname.size() * 2 + sizeof(StreamConsumer);
      total += c->pel.size() * (kTreeNode + sizeof(StreamID) + sizeof(void*));
    }
  }
  return total;
}

void Stream::DecodeNode(const StreamID& master, const Listpack& lp, std::vector<NodeEntry>* out) {
  out->clear();
  ForEachInNode(master, lp, [&](const NodeEntry& ne) {
    out->push_back(ne);
    return true;
  });
}

void Stream::ReadFields(const Listpack& lp, Listpack::Pos flags_pos, std::vector<std::string>* out) {
  out->clear();
  char scratch[Listpack::kScratch];
  long long flags = IntAt(lp, flags_pos);
  Listpack::Pos p = lp.Next(lp.Next(lp.Next(flags_pos)));
  if (flags & kSameFields) {
    Listpack::Pos mf = lp.Next(lp.Next(lp.First()));
    long long n = IntAt(lp, mf);
    for (long long i = 0; i < n; ++i) {
      mf = lp.Next(mf);
      out->emplace_back(lp.Get(mf, scratch));
      out->emplace_back(lp.Get(p, scratch));
      p = lp.Next(p);
    }
    return;
  }
  long long n = IntAt(lp, p) * 2;
  p = lp.Next(p);
  for (long long i = 0; i < n; ++i) {
    out->emplace_back(lp.Get(p, scratch));
    p = lp.Next(p);
  }
}

void Stream::AppendEntry(const StreamID& id, int flags_extra, const std::vector<std::string_view>& fields,
                         const StreamLimits& lim) {
  size_t total = 0;
  for (std::string_view f : fields) total += f.size();
  Listpack* lp = nullptr;
  StreamID master;
  if (!nodes_.empty()) {
    auto last = std::prev(nodes_.end());
    Listpack& cand = last->second;
    size_t max_bytes = lim.node_max_bytes == 0 || lim.node_max_bytes > kMaxNodeBytes ? kMaxNodeBytes
                                                                                      : lim.node_max_bytes;
    bool fresh = cand.bytes() + total >= max_bytes;
    if (!fresh && lim.node_max_entries) {
      Listpack::Pos p = cand.First();
      long long count = IntAt(cand, p) + IntAt(cand, cand.Next(p));
      if (count >= (long long)lim.node_max_entries) fresh = true;
    }
    if (!fresh) {
      lp = &cand;
      master = last->first;
    }
  }
  if (!lp) {
    // A new block whose master fields are this entry's fields.
    lp = &nodes_[id];
    master = id;
    lp->PushBack("0");
    lp->PushBack("0");
    lp->PushBack(std::to_string(fields.size() / 2));
    for (size_t i = 0; i < fields.size(); i += 2) lp->PushBack(fields[i]);
  }
  // Same fields as the master entry, in the same order: store values only.
  Listpack::Pos mf = lp->Next(lp->Next(lp->First()));
  bool same = IntAt(*lp, mf) == (long long)(fields.size() / 2);
  if (same) {
    Listpack::Pos q = mf;
    for (size_t i = 0; i < fields.size() && same; i += 2) {
      q = lp->Next(q);
      same = lp->Equals(q, fields[i]);
    }
  }
  int flags = flags_extra | (same ? kSameFields : 0);
  lp->PushBack(std::to_string(flags));
  // Deltas as signed 64-bit integers (the sequence delta is often negative);
  // the decoder's unsigned addition wraps back to the ID.
  lp->PushBack(std::to_string(int64_t(id.ms - master.ms)));
  lp->PushBack(std::to_string(int64_t(id.seq - master.seq)));
  if (same) {
    for (size_t i = 1; i < fields.size(); i += 2) lp->PushBack(fields[i]);
  } else {
    lp->PushBack(std::to_string(fields.size() / 2));
    for (std::string_view f : fields) lp->PushBack(f);
  }
  // Counters at the head of the block: live, then deleted.
  Listpack::Pos p0 = lp->First();
  if (flags_extra & kDeleted) {
    Listpack::Pos p1 = lp->Next(p0);
    ReplaceInt(*lp, p1, IntAt(*lp, p1) + 1);
  } else {
    ReplaceInt(*lp, p0, IntAt(*lp, p0) + 1);
  }
}

void Stream::Append(const StreamID& id, const std::vector<std::string_view>& fields, const StreamLimits& lim) {
  AppendEntry(id, 0, fields, lim);
  ++length_;
  ++entries_added_;
  last_id_ = id;
  last_appended_ = id;
  if (length_ == 1) first_id_ = id;
}

bool Stream::Get(const StreamID& id, StreamEntry* out) const {
  bool found = false;
  Range(id, id, false, 1, [&](const StreamEntry& e) {
    *out = e;
    found = true;
    return false;
  });
  return found;
}

bool Stream::EdgeID(bool first, StreamID* out) const {
  if (!first && length_ && last_appended_ == last_id_ && last_appended_ != StreamID{}) {
    *out = last_id_;
    return true;
  }
  bool found = false;
  Range(StreamID::Min(), StreamID::Max(), !first, 1, [&](const StreamEntry& e) {
    *out = e.id;
    found = true;
    return false;
  });
  return found;
}

void Stream::RefreshFirstID() {
  if (length_ == 0 || !EdgeID(true, &first_id_)) first_id_ = StreamID{};
}

void Stream::MarkDeleted(Listpack& lp, const std::vector<Listpack::Pos>& flags_pos) {
  if (flags_pos.empty()) return;
  // Back to front, and the counters at the head last: a replacement may
  // change an element's size and so move everything after it.
  for (size_t i = flags_pos.size(); i-- > 0;) {
    Listpack::Pos p = flags_pos[i];
    ReplaceInt(lp, p, IntAt(lp, p) | kDeleted);
  }
  long long n = (long long)flags_pos.size();
  Listpack::Pos p1 = lp.Next(lp.First());
  ReplaceInt(lp, p1, IntAt(lp, p1) + n);
  ReplaceInt(lp, lp.First(), IntAt(lp, lp.First()) - n);
  length_ -= uint64_t(n);
}

bool Stream::Delete(const StreamID& id) {
  if (nodes_.empty()) return false;
  if (id == last_appended_) last_appended_ = StreamID{};
  auto it = nodes_.upper_bound(id);
  if (it == nodes_.begin()) return false;
  --it;
  std::vector<NodeEntry> ents;
  DecodeNode(it->first, it->second, &ents);
  for (const NodeEntry& ne : ents) {
    if (ne.id != id) continue;
    if (ne.deleted) return false;
    MarkDeleted(it->second, {ne.flags_pos});
    if (IntAt(it->second, it->second.First()) == 0) nodes_.erase(it);
    return true;
  }
  return false;
}

// Redis's streamTrim: whole blocks go while the rest still satisfies the
// bound; approx stops at the first block that cannot go whole; exact
// trimming then marks entries of that one block.
int64_t Stream::TrimMaxLen(uint64_t maxlen, bool approx, int64_t limit) {
  if (length_ <= maxlen) return 0;
  int64_t deleted = 0;
  while (!nodes_.empty()) {
    auto it = nodes_.begin();
    Listpack& lp = it->second;
    int64_t entries = IntAt(lp, lp.First());
    if (limit && deleted + entries > limit) break;
    if (length_ - uint64_t(entries) >= maxlen) {
      length_ -= uint64_t(entries);
      deleted += entries;
      nodes_.erase(it);
      continue;
    }
    if (approx) break;
    std::vector<NodeEntry> ents;
    DecodeNode(it->first, lp, &ents);
    std::vector<Listpack::Pos> marks;
    uint64_t len = length_;
    for (const NodeEntry& ne : ents) {
      if (len <= maxlen) break;
      if (!ne.deleted) {
        marks.push_back(ne.flags_pos);
        --len;
      }
    }
    MarkDeleted(lp, marks);
    deleted += int64_t(marks.size());
    if (IntAt(lp, lp.First()) == 0) nodes_.erase(it);
    break;
  }
  RefreshFirstID();
  return deleted;
}

int64_t Stream::TrimMinID(const StreamID& minid, bool approx, int64_t limit) {
  if (length_ == 0) return 0;
  int64_t deleted = 0;
  std::vector<NodeEntry> ents;
  while (!nodes_.empty()) {
    auto it = nodes_.begin();
    Listpack& lp = it->second;
    int64_t entries = IntAt(lp, lp.First());
    if (limit && deleted + entries > limit) break;
    DecodeNode(it->first, lp, &ents);
    // The block's last ID, deleted or not, as Redis reads it.
    if (!ents.empty() && ents.back().id < minid) {
      length_ -= uint64_t(entries);
      deleted += entries;
      nodes_.erase(it);
      continue;
    }
    if (approx) break;
    std::vector<Listpack::Pos> marks;
    for (const NodeEntry& ne : ents) {
      if (ne.id >= minid) break;
      if (!ne.deleted) marks.push_back(ne.flags_pos);
    }
    MarkDeleted(lp, marks);
    deleted += int64_t(marks.size());
    if (IntAt(lp, lp.First()) == 0) nodes_.erase(it);
    break;
  }
  RefreshFirstID();
  return deleted;
}

namespace {

// Keys are 16 big-endian bytes (ms then seq), as Redis encodes them.
using RaxKey = std::array<uint8_t, 16>;

size_t CountRaxNodes(const std::vector<RaxKey>& keys, size_t lo, size_t hi, size_t depth) {
  if (depth == 16) return 1;  // the node marking the key's end
  // Bytes every key of [lo, hi) shares from depth (keys are sorted).
  size_t common = 16 - depth;
  if (hi - lo > 1) {
    const RaxKey& a = keys[lo];
    const RaxKey& b = keys[hi - 1];
    common = 0;
    while (depth + common < 16 && a[depth + common] == b[depth + common]) ++common;
  }
  if (common > 0) return 1 + CountRaxNodes(keys, lo, hi, depth + common);
  size_t total = 1;  // a branching node, then one child per distinct byte
  for (size_t i = lo; i < hi;) {
    size_t j = i;
    while (j < hi && keys[j][depth] == keys[i][depth]) ++j;
    total += CountRaxNodes(keys, i, j, depth + 1);
    i = j;
  }
  return total;
}

}  // namespace

size_t Stream::RaxNodeCount() const {
  if (nodes_.empty()) return 1;  // the empty head node
  std::vector<RaxKey> keys;
  keys.reserve(nodes_.size());
  for (const auto& [id, lp] : nodes_) {
    RaxKey k;
    for (int i = 0; i < 8; ++i) {
      k[i] = uint8_t(id.ms >> (56 - 8 * i));
      k[8 + i] = uint8_t(id.seq >> (56 - 8 * i));
    }
    keys.push_back(k);
  }
  return CountRaxNodes(keys, 0, keys.size(), 0);
}

StreamGroup* Stream::FindGroup(std::string_view name) const {
  auto it = groups_.find(std::string(name));
  return it == groups_.end() ? nullptr : it->second.get();
}

StreamGroup* Stream::CreateGroup(std::string_view name, const StreamID& last_id, int64_t entries_read) {
  auto [it, added] = groups_.try_emplace(std::string(name));
  if (!added) return nullptr;
  it->second = std::make_unique<StreamGroup>();
  it->second->last_id = last_id;
  it->second->entries_read = entries_read;
  return it->second.get();
}

bool Stream::DestroyGroup(std::string_view name) { return groups_.erase(std::string(name)) > 0; }

bool Stream::RangeHasTombstones(const StreamID* start, const StreamID* end) const {
  if (length_ == 0 || max_deleted_id_.IsZero()) return false;
  if (first_id_ > max_deleted_id_) return false;
  StreamID s = start ? *start : StreamID::Min();
  StreamID e = end ? *end : StreamID::Max();
  return s <= max_deleted_id_ && max_deleted_id_ <= e;
}

int64_t Stream::EstimateDistanceFromFirstEverEntry(const StreamID& id) const {
  if (entries_added_ == 0) return 0;
  if (length_ == 0 && id <= last_id_) return int64_t(entries_added_);
  if (id == last_id_) return int64_t(entries_added_);
  if (id > last_id_) return StreamGroup::kInvalidEntriesRead;
  if (max_deleted_id_.IsZero() || max_deleted_id_ < first_id_) {
    if (id < first_id_) return int64_t(entries_added_ - length_);
    if (id == first_id_) return int64_t(entries_added_ - length_ + 1);
  }
  return StreamGroup::kInvalidEntriesRead;
}

}  // namespace vireo
