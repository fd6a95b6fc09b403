// Geo commands on sorted sets whose scores are 52-bit geohashes
// (types/geohash.h): GEOADD (runs ZADD on the encoded scores, as Redis
// does, so its events and replies are ZADD's), GEOPOS, GEODIST, GEOHASH,
// GEOSEARCH, GEOSEARCHSTORE, GEORADIUS, GEORADIUSBYMEMBER and their _RO
// forms. Searches scan the nine cells around the centre in Redis's order
// and filter by exact distance, so unsorted results come out in Redis's
// order; in a big set each cell's scan skips the sub-cells (two steps finer)
// that cannot hold a match (geo::SubCellsMayMatch), jumping over them through
// the skiplist, which walks fewer elements than Redis and returns the same; distances are printed with four decimals, coordinates as Redis's
// human long double.
// Thread rule: main thread only.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "base/numbers.h"
#include "commands/core/args.h"
#include "commands/core/errors.h"
#include "commands/zset/zset_family.h"
#include "engine/database.h"
#include "resp/reply_builder.h"
#include "types/geohash.h"

namespace vireo {
namespace {

using zset_cmd::ZSetOf;

void ReplyDistance(CommandContext& ctx, double d) {
  char buf[128];
  int n = snprintf(buf, sizeof(buf), "%.4f", d);
  ctx.reply.Bulk(std::string_view(buf, size_t(n)));
}

void ReplyCoords(CommandContext& ctx, const double* xy) {
  ctx.reply.ArrayHeader(2);
  ctx.reply.HumanLongDouble(xy[0]);
  ctx.reply.HumanLongDouble(xy[1]);
}

bool ParseDouble(CommandContext& ctx, std::string_view a, double* out, const char* error) {
  if (!vireo::ParseDouble(a, out)) {
    ctx.reply.Error(error);
    return false;
  }
  return true;
}

// args[i], args[i+1] as longitude, latitude within the indexable range.
bool ParseLonLat(CommandContext& ctx, size_t i, double* xy) {
  if (!ParseDouble(ctx, ctx.args[i], &xy[0], err::kNotFloat) ||
      !ParseDouble(ctx, ctx.args[i + 1], &xy[1], err::kNotFloat)) {
    return false;
  }
  if (xy[0] < geo::kLonMin || xy[0] > geo::kLonMax || xy[1] < geo::kLatMin || xy[1] > geo::kLatMax) {
    char buf[128];
    snprintf(buf, sizeof(buf), "ERR invalid longitude,latitude pair %f,%f", xy[0], xy[1]);
    ctx.reply.Error(buf);
    return false;
  }
  return true;
}

// Metres per unit, or -1 after the error.
double ParseUnit(CommandContext& ctx, std::string_view u) {
  if (EqualsNoCase(u, "m")) return 1;
  if (EqualsNoCase(u, "km")) return 1000;
  if (EqualsNoCase(u, "ft")) return 0.3048;
  if (EqualsNoCase(u, "mi")) return 1609.34;
  ctx.reply.Error("ERR unsupported unit provided. please use M, KM, FT, MI");
  return -1;
}

bool ParseRadius(CommandContext& ctx, size_t i, geo::Shape* s) {
  double r;
  if (!ParseDouble(ctx, ctx.args[i], &r, "ERR need numeric radius")) return false;
  if (r < 0) {
    ctx.reply.Error("ERR radius cannot be negative");
    return false;
  }
  double conv = ParseUnit(ctx, ctx.args[i + 1]);
  if (conv < 0) return false;
  s->box = false;
  s->radius = r;
  s->conversion = conv;
  return true;
}

bool ParseBox(CommandContext& ctx, size_t i, geo::Shape* s) {
  double w, h;
  if (!ParseDouble(ctx, ctx.args[i], &w, "ERR need numeric width") ||
      !ParseDouble(ctx, ctx.args[i + 1], &h, "ERR need numeric height")) {
    return false;
  }
  if (h < 0 || w < 0) {
    ctx.reply.Error("ERR height or width cannot be negative");
    return false;
  }
  double conv = ParseUnit(ctx, ctx.args[i + 2]);
  if (conv < 0) return false;
  s->box = true;
  s->width = w;
  s->height = h;
  s->conversion = conv;
  return true;
}

// Lookup for reading: false after WRONGTYPE; *z null when missing.
bool LookupGeo(CommandContext& ctx, std::string_view key, ZSetValue** z) {
  Entry* e;
  return zset_cmd::LookupRead(ctx, key, &e, z);
}

void CmdGeoAdd(CommandContext& ctx) {
  const auto& args = ctx.args;
  size_t first = 2;
  bool nx = false, xx = false;
  for (; first < args.size(); ++first) {
    if (ArgIs(ctx, first, "nx")) {
      nx = true;
    } else if (ArgIs(ctx, first, "xx")) {
      xx = true;
    } else if (!ArgIs(ctx, first, "ch")) {
      break;
    }
  }
  if ((args.size() - first) % 3 || (nx && xx)) return ctx.reply.Error(err::kSyntax);
  // Rewritten as ZADD key [options] score member ...
  std::vector<std::string> scores;
  std::vector<std::string_view> zargs(args.begin(), args.begin() + long(first));
  zargs[0] = "zadd";
  size_t n = (args.size() - first) / 3;
  scores.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    double xy[2];
    if (!ParseLonLat(ctx, first + i * 3, xy)) return;
    scores.push_back(std::to_string(geo::Score(xy[0], xy[1])));
  }
  for (size_t i = 0; i < n; ++i) {
    zargs.push_back(scores[i]);
    zargs.push_back(args[first + i * 3 + 2]);
  }
  CommandContext zctx{zargs, ctx.reply, ctx.session, ctx.keyspace, ctx.limits, ctx.services, ctx.now_ms};
  zset_cmd::ZAdd(zctx);
  ctx.dirty += zctx.dirty;
  // Propagated as the ZADD it ran, as Redis does.
  if (ctx.propagating()) ctx.PropagateAs(std::vector<std::string>(zargs.begin(), zargs.end()));
}

void CmdGeoPos(CommandContext& ctx) {
  ZSetValue* z;
  if (!LookupGeo(ctx, ctx.args[1], &z)) return;
  ctx.reply.ArrayHeader(ctx.args.size() - 2);
  for (size_t j = 2; j < ctx.args.size(); ++j) {
    double score, xy[2];
    if (!z || !z->Score(ctx.args[j], &score)) {
      ctx.reply.NullArray();
      continue;
    }
    geo::DecodeScore(score, xy);
    ReplyCoords(ctx, xy);
  }
}

void CmdGeoDist(CommandContext& ctx) {
  double to_meter = 1;
  if (ctx.args.size() == 5) {
    to_meter = ParseUnit(ctx, ctx.args[4]);
    if (to_meter < 0) return;
  } else if (ctx.args.size() > 5) {
    return ctx.reply.Error(err::kSyntax);
  }
  ZSetValue* z;
  if (!LookupGeo(ctx, ctx.args[1], &z)) return;
  double s1, s2, a[2], b[2];
  if (!z || !z->Score(ctx.args[2], &s1) || !z->Score(ctx.args[3], &s2)) return ctx.reply.Null();
  geo::DecodeScore(s1, a);
  geo::DecodeScore(s2, b);
  ReplyDistance(ctx, geo::Distance(a[0], a[1], b[0], b[1]) / to_meter);
}

void CmdGeoHash(CommandContext& ctx) {
  ZSetValue* z;
  if (!LookupGeo(ctx, ctx.args[1], &z)) return;
  ctx.reply.ArrayHeader(ctx.args.size() - 2);
  for (size_t j = 2; j < ctx.args.size(); ++j) {
    double score;
    if (!z || !z->Score(ctx.args[j], &score)) {
      ctx.reply.Null();
      continue;
    }
    ctx.reply.Bulk(geo::HashText(score));
  }
}

enum SearchFlags {
  kByCoords = 1,     // GEORADIUS[_RO]
  kByMember = 2,     // GEORADIUSBYMEMBER[_RO]
  kSearch = 4,       // GEOSEARCH[STORE]
  kSearchStore = 8,  // GEOSEARCHSTORE
  kNoStore = 16,     // the _RO forms
};

struct Point {
  std::string member;
  double dist, score, xy[2];
};

void Search(CommandContext& ctx, size_t key_index, int flags) {
  const auto& args = ctx.args;
  ZSetValue* z;
  if (!LookupGeo(ctx, args[key_index], &z)) return;
  geo::Shape shape;
  size_t base;
  std::string_view store;
  bool has_store = false, storedist = false;
  if (flags & kByCoords) {
    base = 6;
    if (!ParseLonLat(ctx, 2, shape.xy) || !ParseRadius(ctx, 4, &shape)) return;
  } else if (flags & kByMember) {
    base = 5;
    if (z) {
      double score;
      if (!z->Score(args[2], &score)) return ctx.reply.Error("ERR could not decode requested zset member");
      geo::DecodeScore(score, shape.xy);
      if (!ParseRadius(ctx, 3, &shape)) return;
    }
  } else {
    base = 2;
    if (flags & kSearchStore) {
      base = 3;
      store = args[1];
      has_store = true;
    }
  }
  bool withdist = false, withhash = false, withcoord = false, any = false;
  bool frommember = false, fromloc = false, byradius = false, bybox = false;
  int sort = 0;  // 1 asc, -1 desc
  long long count = 0;
  size_t remaining = args.size() > base ? args.size() - base : 0;
  for (size_t i = 0; i < remaining; ++i) {
    size_t at = base + i;
    std::string_view a = args[at];
    bool search = flags & kSearch;
    bool can_store = !(flags & kNoStore) && !search;
    if (EqualsNoCase(a, "withdist")) {
      withdist = true;
    } else if (EqualsNoCase(a, "withhash")) {
      withhash = true;
    } else if (EqualsNoCase(a, "withcoord")) {
      withcoord = true;
    } else if (EqualsNoCase(a, "any")) {
      any = true;
    } else if (EqualsNoCase(a, "asc")) {
      sort = 1;
    } else if (EqualsNoCase(a, "desc")) {
      sort = -1;
    } else if (EqualsNoCase(a, "count") && i + 1 < remaining) {
      if (!ArgInt64(ctx, at + 1, &count)) return;
      if (count <= 0) return ctx.reply.Error("ERR COUNT must be > 0");
      ++i;
    } else if (EqualsNoCase(a, "store") && i + 1 < remaining && can_store) {
      store = args[at + 1];
      has_store = true;
      storedist = false;
      ++i;
    } else if (EqualsNoCase(a, "storedist") && i + 1 < remaining && can_store) {
      store = args[at + 1];
      has_store = true;
      storedist = true;
      ++i;
    } else if (EqualsNoCase(a, "storedist") && search && (flags & kSearchStore)) {
      storedist = true;
    } else if (EqualsNoCase(a, "frommember") && i + 1 < remaining && search && !fromloc) {
      if (z) {
        double score;
        if (!z->Score(args[at + 1], &score)) return ctx.reply.Error("ERR could not decode requested zset member");
        geo::DecodeScore(score, shape.xy);
      }
      frommember = true;
      ++i;
    } else if (EqualsNoCase(a, "fromlonlat") && i + 2 < remaining && search && !frommember) {
      if (!ParseLonLat(ctx, at + 1, shape.xy)) return;
      fromloc = true;
      i += 2;
    } else if (EqualsNoCase(a, "byradius") && i + 2 < remaining && search && !bybox) {
      if (!ParseRadius(ctx, at + 1, &shape)) return;
      byradius = true;
      i += 2;
    } else if (EqualsNoCase(a, "bybox") && i + 3 < remaining && search && !byradius) {
      if (!ParseBox(ctx, at + 1, &shape)) return;
      bybox = true;
      i += 3;
    } else {
      return ctx.reply.Error(err::kSyntax);
    }
  }
  if (has_store && (withdist || withhash || withcoord)) {
    return ctx.reply.Error(std::string("ERR ") +
                           ((flags & kSearchStore) ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS") +
                           " is not compatible with WITHDIST, WITHHASH and WITHCOORD options");
  }
  if ((flags & kSearch) && !(frommember || fromloc)) {
    return ctx.reply.Error("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " +
                           std::string(args[0]));
  }
  if ((flags & kSearch) && !(byradius || bybox)) {
    return ctx.reply.Error("ERR exactly one of BYRADIUS and BYBOX can be specified for " + std::string(args[0]));
  }
  if (any && !count) return ctx.reply.Error("ERR the ANY argument requires COUNT argument");
  if (!z) {
    if (has_store) {
      if (ctx.db().Delete(store)) ctx.Modified(store, kNotifyGeneric, "del");
      return ctx.reply.Integer(0);
    }
    return ctx.reply.ArrayHeader(0);
  }
  if (count != 0 && sort == 0 && !any) sort = 1;

  geo::Hash cells[9];
  geo::SearchCells(shape, cells);
  std::vector<Point> found;
  size_t limit = any ? size_t(count) : 0;
  int last = -1;
  for (int c = 0; c < 9; ++c) {
    if (cells[c].zero()) continue;
    // Huge radii can make neighbours repeat the previous cell.
    if (last > 0 && cells[c].bits == cells[last].bits && cells[c].step == cells[last].step) continue;
    if (!found.empty() && limit && found.size() >= limit) break;
    uint64_t min, max;
    geo::CellScores(cells[c], &min, &max);
    // The cell's score range, cut to the runs of its 16 sub-cells that can
    // hold a match (a big set only: a listpack is cheap to walk whole).
    // Runs ascend, so matches come in the order of a whole-cell scan.
    uint64_t runs[16][2];
    int nruns = 0;
    if (!z->is_listpack() && cells[c].step <= geo::kStepMax - 2) {
      const uint16_t mask = geo::SubCellsMayMatch(shape, cells[c]);
      const int shift = 52 - (cells[c].step + 2) * 2;
      const uint64_t base = cells[c].bits << 4;
      for (unsigned q = 0; q < 16; ++q) {
        if (!(mask >> q & 1)) continue;
        uint64_t lo = (base | q) << shift, hi = (base | q) + 1;
        hi <<= shift;
        if (nruns && runs[nruns - 1][1] == lo) {
          runs[nruns - 1][1] = hi;
        } else {
          runs[nruns][0] = lo;
          runs[nruns][1] = hi;
          ++nruns;
        }
      }
    } else {
      runs[0][0] = min;
      runs[0][1] = max;
      nruns = 1;
    }
    bool full = false;
    if (nruns) {
      ScoreRange r;
      r.min = double(runs[0][0]);
      r.max = double(max);
      r.min_ex = false;
      r.max_ex = true;
      auto cur = z->FirstIn(r);
      for (int k = 0; k < nruns && cur.valid() && !full; ++k) {
        const double run_max = double(runs[k][1]);
        if (k) cur.SkipBelow(double(runs[k][0]));
        for (; cur.valid(); cur.Next()) {
          double score = cur.score();
          if (score >= run_max) break;
          Point p;
          if (geo::Within(shape, score, p.xy, &p.dist)) {
            p.member = std::string(cur.member());
            p.score = score;
            found.push_back(std::move(p));
            if (limit && found.size() >= limit) {
              full = true;
              break;
            }
          }
        }
      }
    }
    last = c;
  }
  if (found.empty() && !has_store) return ctx.reply.ArrayHeader(0);
  size_t returned = (count == 0 || found.size() < size_t(count)) ? found.size() : size_t(count);
  if (sort == 1) {
    std::stable_sort(found.begin(), found.end(), [](const Point& a, const Point& b) { return a.dist < b.dist; });
  } else if (sort == -1) {
    std::stable_sort(found.begin(), found.end(), [](const Point& a, const Point& b) { return a.dist > b.dist; });
  }
  if (!has_store) {
    size_t options = size_t(withdist) + size_t(withhash) + size_t(withcoord);
    ctx.reply.ArrayHeader(returned);
    for (size_t i = 0; i < returned; ++i) {
      const Point& p = found[i];
      if (options) ctx.reply.ArrayHeader(options + 1);
      ctx.reply.Bulk(p.member);
      if (withdist) ReplyDistance(ctx, p.dist / shape.conversion);
      if (withhash) ctx.reply.Integer(static_cast<long long>(p.score));
      if (withcoord) ReplyCoords(ctx, p.xy);
    }
    return;
  }
  std::vector<std::pair<std::string, double>> sorted;
  sorted.reserve(returned);
  for (size_t i = 0; i < returned; ++i) {
    sorted.emplace_back(found[i].member, storedist ? found[i].dist / shape.conversion : found[i].score);
  }
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return a.second < b.second || (a.second == b.second && a.first < b.first);
  });
  zset_cmd::StoreSorted(ctx, store, sorted, (flags & kSearch) ? "geosearchstore" : "georadiusstore");
  if (returned > 1) ctx.dirty += returned - 1;
  ctx.reply.Integer(static_cast<long long>(returned));
}

void CmdGeoRadius(CommandContext& ctx) { Search(ctx, 1, kByCoords); }
void CmdGeoRadiusRo(CommandContext& ctx) { Search(ctx, 1, kByCoords | kNoStore); }
void CmdGeoRadiusByMember(CommandContext& ctx) { Search(ctx, 1, kByMember); }
void CmdGeoRadiusByMemberRo(CommandContext& ctx) { Search(ctx, 1, kByMember | kNoStore); }
void CmdGeoSearch(CommandContext& ctx) { Search(ctx, 1, kSearch); }
void CmdGeoSearchStore(CommandContext& ctx) { Search(ctx, 2, kSearch | kSearchStore); }

}  // namespace

void BindGeoCommands(CommandTable& t) {
  t.Bind("geoadd", CmdGeoAdd);
  t.Bind("geopos", CmdGeoPos);
  t.Bind("geodist", CmdGeoDist);
  t.Bind("geohash", CmdGeoHash);
  t.Bind("georadius", CmdGeoRadius);
  t.Bind("georadius_ro", CmdGeoRadiusRo);
  t.Bind("georadiusbymember", CmdGeoRadiusByMember);
  t.Bind("georadiusbymember_ro", CmdGeoRadiusByMemberRo);
  t.Bind("geosearch", CmdGeoSearch);
  t.Bind("geosearchstore", CmdGeoSearchStore);
}

}  // namespace vireo
