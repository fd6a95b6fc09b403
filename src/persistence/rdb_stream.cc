#include "persistence/rdb_stream.h"

#include <string_view>
#include <vector>

#include "base/numbers.h"
#include "persistence/packed_formats.h"
#include "persistence/rdb_format.h"
#include "persistence/rdb_writer.h"
#include "types/stream.h"

namespace vireo {
namespace {

// IDs are stored as Redis keys its radix trees: ms then seq, big endian.
void EncodeID(const StreamID& id, uint8_t out[16]) {
  for (int i = 0; i < 8; ++i) {
    out[i] = uint8_t(id.ms >> (56 - 8 * i));
    out[8 + i] = uint8_t(id.seq >> (56 - 8 * i));
  }
}

StreamID DecodeID(const uint8_t in[16]) {
  StreamID id;
  for (int i = 0; i < 8; ++i) {
    id.ms = (id.ms << 8) | in[i];
    id.seq = (id.seq << 8) | in[8 + i];
  }
  return id;
}

void WriteMillis(RdbWriter& w, int64_t ms) {
  uint8_t b[8];
  for (int i = 0; i < 8; ++i) b[i] = uint8_t(uint64_t(ms) >> (8 * i));
  w.Raw(b, 8);
}

int64_t ReadMillis(RdbValueSource& in) {
  uint8_t b[8];
  in.ReadBytes(b, 8);
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= uint64_t(b[i]) << (8 * i);
  return int64_t(v);
}

// A Vireo block as the Redis listpack of a stream node: the same elements
// plus the master entry's "0" terminator and each entry's lp-count.
std::string RedisNodeBlob(const Listpack& lp) {
  RedisListpackBuilder b;
  char scratch[Listpack::kScratch];
  Listpack::Pos p = lp.First();
  auto next_int = [&]() {
    long long v = 0;
    lp.GetInt(p, &v);
    p = lp.Next(p);
    return v;
  };
  auto copy_str = [&]() {
    b.Append(lp.Get(p, scratch));
    p = lp.Next(p);
  };
  b.AppendInt(next_int());  // live entries
  b.AppendInt(next_int());  // deleted entries
  const long long master_fields = next_int();
  b.AppendInt(master_fields);
  for (long long i = 0; i < master_fields; ++i) copy_str();
  b.AppendInt(0);
  while (p != Listpack::kEnd) {
    const long long flags = next_int();
    b.AppendInt(flags);
    b.AppendInt(next_int());  // ms delta
    b.AppendInt(next_int());  // seq delta
    long long lp_count;
    if (flags & Stream::kSameFields) {
      for (long long i = 0; i < master_fields; ++i) copy_str();
      lp_count = master_fields + 3;
    } else {
      const long long n = next_int();
      b.AppendInt(n);
      for (long long i = 0; i < 2 * n; ++i) copy_str();
      lp_count = 2 * n + 4;
    }
    b.AppendInt(lp_count);
  }
  return b.Finish();
}

// Reads one node's Redis listpack, checks it is a well-formed stream node
// whose IDs are all above *prev (updated to the node's last ID), and returns
// it as a Vireo block. *live gets the node's live entry count.
Listpack ReadNode(RdbValueSource& in, const StreamID& master, bool* have_prev, StreamID* prev, uint64_t* live) {
  std::vector<std::string> el;
  const std::string blob = in.ReadString();
  if (!ForEachListpackElement(blob, [&](std::string_view s) {
        el.emplace_back(s);
        return true;
      })) {
    in.Reject("Stream listpack integrity check failed");
  }
  size_t i = 0;
  auto fail = [&]() { in.Reject("Stream listpack integrity check failed"); };
  auto next_int = [&]() {
    long long v = 0;  // never read after fail(): Reject does not return (clang cannot tell)
    if (i >= el.size() || !ParseInt64(el[i], &v)) fail();
    ++i;
    return v;
  };
  if (el.empty()) in.Reject("Empty listpack inside stream");
  Listpack lp;
  const long long live_count = next_int();
  const long long deleted_count = next_int();
  const long long master_fields = next_int();
  if (live_count < 0 || deleted_count < 0 || live_count + deleted_count == 0 || master_fields < 1 ||
      master_fields > (long long)el.size()) {
    fail();
  }
  lp.PushBack(el[0]);
  lp.PushBack(el[1]);
  lp.PushBack(el[2]);
  for (long long k = 0; k < master_fields; ++k) {
    if (i >= el.size()) fail();
    lp.PushBack(el[i++]);
  }
  if (next_int() != 0) fail();  // the master entry's terminator
  long long seen_live = 0, seen_deleted = 0;
  while (i < el.size()) {
    const long long flags = next_int();
    if (flags & ~(Stream::kDeleted | Stream::kSameFields)) fail();
    const long long ms_delta = next_int();
    const long long seq_delta = next_int();
    const StreamID id{master.ms + uint64_t(ms_delta), master.seq + uint64_t(seq_delta)};
    if (id < master || (*have_prev && id <= *prev)) in.Reject("Stream entry IDs out of order");
    *prev = id;
    *have_prev = true;
    lp.PushBack(el[i - 3]);
    lp.PushBack(el[i - 2]);
    lp.PushBack(el[i - 1]);
    long long elements, lp_count;
    if (flags & Stream::kSameFields) {
      elements = master_fields;
      lp_count = master_fields + 3;
    } else {
      const long long n = next_int();
      if (n < 1 || n > (long long)el.size()) fail();
      lp.PushBack(el[i - 1]);
      elements = 2 * n;
      lp_count = 2 * n + 4;
    }
    if (elements > (long long)(el.size() - i)) fail();
    for (long long k = 0; k < elements; ++k) lp.PushBack(el[i++]);
    if (next_int() != lp_count) fail();
    if (flags & Stream::kDeleted) ++seen_deleted;
    else ++seen_live;
  }
  if (seen_live != live_count || seen_deleted != deleted_count) fail();
  *live = uint64_t(live_count);
  return lp;
}

}  // namespace

void WriteStreamValue(RdbWriter& w, const Stream& s) {
  uint8_t key[16];
  w.Length(s.nodes().size());
  for (const auto& [master, lp] : s.nodes()) {
    EncodeID(master, key);
    w.String(std::string_view(reinterpret_cast<const char*>(key), 16));
    w.String(RedisNodeBlob(lp));
  }
  w.Length(s.length());
  w.Length(s.last_id().ms);
  w.Length(s.last_id().seq);
  w.Length(s.first_id().ms);
  w.Length(s.first_id().seq);
  w.Length(s.max_deleted_id().ms);
  w.Length(s.max_deleted_id().seq);
  w.Length(s.entries_added());
  w.Length(s.groups().size());
  for (const auto& [name, g] : s.groups()) {
    w.String(name);
    w.Length(g->last_id.ms);
    w.Length(g->last_id.seq);
    w.Length(uint64_t(g->entries_read));  // -1 (unknown) as 2^64-1, as Redis writes it
    w.Length(g->pel.size());
    for (const auto& [id, nack] : g->pel) {
      EncodeID(id, key);
      w.Raw(key, 16);
      WriteMillis(w, nack.delivery_time);
      w.Length(nack.delivery_count);
    }
    w.Length(g->consumers.size());
    for (const auto& [cname, c] : g->consumers) {
      w.String(cname);
      WriteMillis(w, c->seen_time);
      w.Length(c->pel.size());
      for (const auto& [id, nack] : c->pel) {
        EncodeID(id, key);
        w.Raw(key, 16);
      }
    }
  }
}

std::unique_ptr<Stream> ReadStreamValue(RdbValueSource& in, uint8_t rdb_type) {
  auto s = std::make_unique<Stream>();
  bool have_prev = false;
  StreamID prev;
  uint64_t live_total = 0;
  for (uint64_t nodes = in.ReadLength(); nodes > 0; --nodes) {
    const std::string key = in.ReadString();
    if (key.size() != 16) in.Reject("Stream node key entry is not the size of a stream ID");
    const StreamID master = DecodeID(reinterpret_cast<const uint8_t*>(key.data()));
    if (have_prev && master <= prev) in.Reject("Stream node keys out of order");
    uint64_t live = 0;
    Listpack lp = ReadNode(in, master, &have_prev, &prev, &live);
    live_total += live;
    s->AdoptNode(master, std::move(lp));
  }
  const uint64_t length = in.ReadLength();
  StreamID last{in.ReadLength(), 0};
  last.seq = in.ReadLength();
  if (length != live_total) in.Reject("Stream length inconsistent with its entries");
  if (have_prev && last < prev) in.Reject("Stream last ID below its entries");
  s->set_length(length);
  s->set_last_id(last);
  if (rdb_type == rdb::kTypeStreamListpacks2) {
    StreamID first{in.ReadLength(), 0};
    first.seq = in.ReadLength();
    StreamID max_deleted{in.ReadLength(), 0};
    max_deleted.seq = in.ReadLength();
    s->set_first_id(first);
    s->set_max_deleted_id(max_deleted);
    s->set_entries_added(in.ReadLength());
  } else {
    // Redis 5/6 files: Redis 7.0 counts every present entry as added, knows
    // no tombstone, and takes the first live ID (the largest ID when none).
    s->set_entries_added(length);
    StreamID first;
    if (!s->EdgeID(true, &first)) first = StreamID::Max();
    s->set_first_id(first);
  }
  for (uint64_t groups = in.ReadLength(); groups > 0; --groups) {
    const std::string name = in.ReadString();
    StreamID gid{in.ReadLength(), 0};
    gid.seq = in.ReadLength();
    int64_t entries_read;
    if (rdb_type == rdb::kTypeStreamListpacks2) {
      entries_read = int64_t(in.ReadLength());
    } else {
      entries_read = s->EstimateDistanceFromFirstEverEntry(gid);
    }
    StreamGroup* g = s->CreateGroup(name, gid, entries_read);
    if (!g) in.Reject("Duplicated consumer group name " + name);
    for (uint64_t n = in.ReadLength(); n > 0; --n) {
      uint8_t raw[16];
      in.ReadBytes(raw, 16);
      StreamNack nack;
      nack.delivery_time = ReadMillis(in);
      nack.delivery_count = in.ReadLength();
      nack.consumer = nullptr;
      if (!g->pel.emplace(DecodeID(raw), nack).second) {
        in.Reject("Duplicated global PEL entry loading stream consumer group");
      }
    }
    for (uint64_t n = in.ReadLength(); n > 0; --n) {
      const std::string cname = in.ReadString();
      StreamConsumer* c = g->CreateConsumer(cname, 0);
      if (!c) in.Reject("Duplicate stream consumer detected.");
      c->seen_time = ReadMillis(in);
      for (uint64_t k = in.ReadLength(); k > 0; --k) {
        uint8_t raw[16];
        in.ReadBytes(raw, 16);
        const StreamID id = DecodeID(raw);
        auto it = g->pel.find(id);
        if (it == g->pel.end()) in.Reject("Consumer entry not found in group global PEL");
        if (it->second.consumer == c) {
          in.Reject("Duplicated consumer PEL entry loading a stream consumer group");
        }
        // Redis would let a second consumer take the entry over silently,
        // leaving the first one's PEL pointing at it: refused here.
        if (it->second.consumer) in.Reject("Stream PEL entry owned by two consumers");
        it->second.consumer = c;
        c->pel.emplace(id, &it->second);
      }
    }
    for (const auto& [id, nack] : g->pel) {
      if (!nack.consumer) in.Reject("Stream CG PEL entry without consumer");
    }
  }
  return s;
}

}  // namespace vireo
