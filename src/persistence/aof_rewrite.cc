#include "persistence/aof_rewrite.h"

#include <cstdio>
#include <utility>

#include "base/numbers.h"
#include "engine/database.h"
#include "engine/entry.h"
#include "persistence/rdb_writer.h"
#include "types/hash_value.h"
#include "types/quicklist.h"
#include "types/set_value.h"
#include "types/stream.h"
#include "types/zset_value.h"

namespace vireo {

namespace {

constexpr size_t kItemsPerCommand = 64;  // Redis's AOF_REWRITE_ITEMS_PER_CMD
constexpr size_t kFlushAt = 1 << 20;

std::string Ll(long long v) { return std::to_string(v); }

// Redis's rioWriteBulkDouble: "%.17g".
std::string Score(double d) {
  char buf[128];
  int n = snprintf(buf, sizeof(buf), "%.17g", d);
  return std::string(buf, size_t(n));
}

// Emits "*<2+items*width> VERB key" before each batch of up to 64 items.
class Batcher {
 public:
  Batcher(AofCommandOutput& out, std::string_view verb, std::string_view key, size_t total, size_t width)
      : out_(out), verb_(verb), key_(key), left_(total), width_(width) {}
  void Item() {
    if (count_ == 0) {
      size_t n = left_ > kItemsPerCommand ? kItemsPerCommand : left_;
      out_.Header(2 + n * width_);
      out_.Bulk(verb_);
      out_.Bulk(key_);
    }
    if (++count_ == kItemsPerCommand) count_ = 0;
    --left_;
  }

 private:
  AofCommandOutput& out_;
  std::string_view verb_, key_;
  size_t left_, width_, count_ = 0;
};

void WriteStream(AofCommandOutput& out, std::string_view key, const Stream& s) {
  if (s.length()) {
    s.Range(StreamID{}, StreamID::Max(), false, 0, [&](const StreamEntry& e) {
      out.Header(3 + e.fields.size());
      out.Bulk("XADD");
      out.Bulk(key);
      out.Bulk(e.id.ToString());
      for (const std::string& f : e.fields) out.Bulk(f);
      out.Flush();
      return true;
    });
  } else {
    // An empty stream key: Redis's "XADD MAXLEN 0" trick creates it.
    out.Command({"XADD", key, "MAXLEN", "0", "0-1", "x", "y"});
  }
  out.Command({"XSETID", key, s.last_id().ToString(), "ENTRIESADDED", Ll((long long)s.entries_added()),
               "MAXDELETEDID", s.max_deleted_id().ToString()});
  for (const auto& [gname, g] : s.groups()) {
    out.Command({"XGROUP", "CREATE", key, gname, g->last_id.ToString(), "ENTRIESREAD", Ll(g->entries_read)});
    for (const auto& [cname, c] : g->consumers) {
      if (c->pel.empty()) {
        out.Command({"XGROUP", "CREATECONSUMER", key, gname, cname});
        continue;
      }
      for (const auto& [id, nack] : c->pel) {
        out.Command({"XCLAIM", key, gname, cname, "0", id.ToString(), "TIME", Ll(nack->delivery_time), "RETRYCOUNT",
                     Ll((long long)nack->delivery_count), "JUSTID", "FORCE"});
      }
    }
  }
}

}  // namespace

void WriteAofKeyCommands(AofCommandOutput& out, Entry* e) {
  std::string_view key = e->key();
  switch (e->type()) {
    case ObjType::kString: {
      char scratch[kMaxInt64Chars + 3];
      out.Command({"SET", key, e->StringValue(scratch)});
      break;
    }
    case ObjType::kList: {
      const auto* q = static_cast<const Quicklist*>(e->object());
      Batcher b(out, "RPUSH", key, q->size(), 1);
      char scratch[Listpack::kScratch];
      q->ForEachNode([&](const Listpack& elements, bool) {
        for (Listpack::Pos p = elements.First(); p != Listpack::kEnd; p = elements.Next(p)) {
          b.Item();
          out.Bulk(elements.Get(p, scratch));
        }
        out.Flush();
      });
      break;
    }
    case ObjType::kSet: {
      SetValue s(e->object());
      Batcher b(out, "SADD", key, s.size(), 1);
      s.ForEach([&](std::string_view m) {
        b.Item();
        out.Bulk(m);
        out.Flush();
      });
      break;
    }
    case ObjType::kZSet: {
      const auto* z = static_cast<const ZSetValue*>(e->object());
      Batcher b(out, "ZADD", key, z->size(), 2);
      for (ZSetValue::Cursor c = z->AtRank(0); c.valid(); c.Next()) {
        b.Item();
        out.Bulk(Score(c.score()));
        out.Bulk(c.member());
        out.Flush();
      }
      break;
    }
    case ObjType::kHash: {
      const auto* h = static_cast<const HashValue*>(e->object());
      Batcher b(out, "HMSET", key, h->size(), 2);
      h->ForEach([&](std::string_view f, std::string_view v) {
        b.Item();
        out.Bulk(f);
        out.Bulk(v);
        out.Flush();
      });
      break;
    }
    case ObjType::kStream:
      WriteStream(out, key, *static_cast<const Stream*>(e->object()));
      break;
  }
  if (e->has_expire()) out.Command({"PEXPIREAT", key, Ll(e->expire_ms())});
  out.Flush();
}

void AofCommandOutput::Header(size_t argc) {
  buf_.push_back('*');
  buf_.append(std::to_string(argc));
  buf_.append("\r\n");
}

void AofCommandOutput::Bulk(std::string_view a) {
  buf_.push_back('$');
  buf_.append(std::to_string(a.size()));
  buf_.append("\r\n");
  buf_.append(a);
  buf_.append("\r\n");
}

void AofCommandOutput::Command(std::initializer_list<std::string_view> args) {
  Header(args.size());
  for (std::string_view a : args) Bulk(a);
}

void AofCommandOutput::Flush(bool force) {
  if (buf_.empty() || (!force && buf_.size() < kFlushAt)) return;
  flushed_ += buf_.size();
  sink_(buf_);
  buf_.clear();
}

}  // namespace vireo
