// See geohash.h.
#include "types/geohash.h"

#include <cmath>

#include "base/numbers.h"

namespace vireo::geo {
namespace {

constexpr double kEarthRadius = 6372797.560856;  // metres, Redis's value
constexpr double kMercatorMax = 20037726.37;
constexpr double kDegToRad = M_PI / 180.0;

double Rad(double deg) { return deg * kDegToRad; }
double Deg(double rad) { return rad / kDegToRad; }

// Spreads the 32 bits of v to the even bit positions of a 64-bit word.
uint64_t Spread(uint32_t v) {
  uint64_t x = v;
  x = (x | (x << 16)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x << 8)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x << 2)) & 0x3333333333333333ULL;
  x = (x | (x << 1)) & 0x5555555555555555ULL;
  return x;
}
// Inverse of Spread: the even bits of x.
uint32_t Squash(uint64_t x) {
  x &= 0x5555555555555555ULL;
  x = (x | (x >> 1)) & 0x3333333333333333ULL;
  x = (x | (x >> 2)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x >> 4)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x >> 8)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x >> 16)) & 0x00000000FFFFFFFFULL;
  return uint32_t(x);
}

const Range kLonRange{kLonMin, kLonMax};
const Range kLatRange{kLatMin, kLatMax};

// Moves a cell one step east/west (longitude, odd bits) or north/south.
void MoveX(Hash* h, int d) {
  uint64_t x = h->bits & 0xaaaaaaaaaaaaaaaaULL, y = h->bits & 0x5555555555555555ULL;
  uint64_t zz = 0x5555555555555555ULL >> (64 - h->step * 2);
  if (d > 0) {
    x = x + (zz + 1);
  } else {
    x = x | zz;
    x = x - (zz + 1);
  }
  x &= 0xaaaaaaaaaaaaaaaaULL >> (64 - h->step * 2);
  h->bits = x | y;
}
void MoveY(Hash* h, int d) {
  uint64_t x = h->bits & 0xaaaaaaaaaaaaaaaaULL, y = h->bits & 0x5555555555555555ULL;
  uint64_t zz = 0xaaaaaaaaaaaaaaaaULL >> (64 - h->step * 2);
  if (d > 0) {
    y = y + (zz + 1);
  } else {
    y = y | zz;
    y = y - (zz + 1);
  }
  y &= 0x5555555555555555ULL >> (64 - h->step * 2);
  h->bits = x | y;
}

int StepsForRadius(double range, double lat) {
  if (range == 0) return 26;
  int step = 1;
  while (range < kMercatorMax) {
    range *= 2;
    step++;
  }
  step -= 2;  // make the cell cover the range in most cases
  // Cells are narrower near the poles.
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > 26) step = 26;
  return step;
}

}  // namespace

bool Encode(const Range& lon_range, const Range& lat_range, double lon, double lat, int step, Hash* out) {
  if (step > 32 || step == 0) return false;
  if (lon > kLonMax || lon < kLonMin || lat > kLatMax || lat < kLatMin) return false;
  out->bits = 0;
  out->step = uint8_t(step);
  if (lat < lat_range.min || lat > lat_range.max || lon < lon_range.min || lon > lon_range.max) return false;
  double lat_off = (lat - lat_range.min) / (lat_range.max - lat_range.min);
  double lon_off = (lon - lon_range.min) / (lon_range.max - lon_range.min);
  lat_off *= double(1ULL << step);
  lon_off *= double(1ULL << step);
  out->bits = Spread(uint32_t(lat_off)) | (Spread(uint32_t(lon_off)) << 1);
  return true;
}

uint64_t Score(double lon, double lat) {
  Hash h;
  Encode(kLonRange, kLatRange, lon, lat, kStepMax, &h);
  return h.bits << (52 - h.step * 2);
}

void Decode(const Hash& h, Area* a) {
  uint32_t ilat = Squash(h.bits), ilon = Squash(h.bits >> 1);
  double lat_scale = kLatRange.max - kLatRange.min, lon_scale = kLonRange.max - kLonRange.min;
  double cells = double(1ULL << h.step);
  a->lat.min = kLatRange.min + (ilat * 1.0 / cells) * lat_scale;
  a->lat.max = kLatRange.min + ((ilat + 1) * 1.0 / cells) * lat_scale;
  a->lon.min = kLonRange.min + (ilon * 1.0 / cells) * lon_scale;
  a->lon.max = kLonRange.min + ((ilon + 1) * 1.0 / cells) * lon_scale;
}

// A sorted-set score read as geohash bits. Redis casts the double to
// uint64_t; scores outside [0, 2^64) (GEOPOS on a member ZADD'ed with -5, or
// inf) make that cast undefined in C++, and Redis's replies are what x86-64
// code built by gcc gives: a truncating signed conversion below 2^63, and
// above it the same on score - 2^63 with bit 63 flipped. Spelled out here so
// every compiler gives those bits (clang's UBSan rightly rejects the cast).
namespace {
uint64_t ScoreBits(double score) {
  constexpr double k2p63 = 9223372036854775808.0;
  if (score < k2p63) return uint64_t(TruncToInt64(score));
  return uint64_t(TruncToInt64(score - k2p63)) ^ (1ULL << 63);
}
}  // namespace

void DecodeScore(double score, double* xy) {
  Hash h{ScoreBits(score), kStepMax};
  Area a;
  Decode(h, &a);
  xy[0] = (a.lon.min + a.lon.max) / 2;
  if (xy[0] > kLonMax) xy[0] = kLonMax;
  if (xy[0] < kLonMin) xy[0] = kLonMin;
  xy[1] = (a.lat.min + a.lat.max) / 2;
  if (xy[1] > kLatMax) xy[1] = kLatMax;
  if (xy[1] < kLatMin) xy[1] = kLatMin;
}

double LatDistance(double lat1, double lat2) { return kEarthRadius * fabs(Rad(lat2) - Rad(lat1)); }

double Distance(double lon1, double lat1, double lon2, double lat2) {
  double lon1r = Rad(lon1), lon2r = Rad(lon2);
  double v = sin((lon2r - lon1r) / 2);
  // Same meridian: the latitude difference alone (Redis's shortcut).
  if (v == 0.0) return LatDistance(lat1, lat2);
  double lat1r = Rad(lat1), lat2r = Rad(lat2);
  double u = sin((lat2r - lat1r) / 2);
  double a = u * u + cos(lat1r) * cos(lat2r) * v * v;
  return 2.0 * kEarthRadius * asin(sqrt(a));
}

std::string HashText(double score) {
  static const char kAlphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
  double xy[2];
  DecodeScore(score, xy);
  Hash h;
  Encode(Range{-180, 180}, Range{-90, 90}, xy[0], xy[1], 26, &h);
  std::string out(11, '0');
  // 52 bits make ten characters; the eleventh is always '0', as Redis's.
  for (int i = 0; i < 10; ++i) out[size_t(i)] = kAlphabet[(h.bits >> (52 - (i + 1) * 5)) & 0x1f];
  return out;
}

void SearchCells(const Shape& s, Hash cells[9]) {
  double lon = s.xy[0], lat = s.xy[1];
  double height = s.conversion * (s.box ? s.height / 2 : s.radius);
  double width = s.conversion * (s.box ? s.width / 2 : s.radius);
  const double lat_delta = Deg(height / kEarthRadius);
  const double lon_delta_top = Deg(width / kEarthRadius / cos(Rad(lat + lat_delta)));
  const double lon_delta_bottom = Deg(width / kEarthRadius / cos(Rad(lat - lat_delta)));
  bool south = lat < 0;
  double min_lon = south ? lon - lon_delta_bottom : lon - lon_delta_top;
  double max_lon = south ? lon + lon_delta_bottom : lon + lon_delta_top;
  double min_lat = lat - lat_delta, max_lat = lat + lat_delta;

  double radius = s.box ? sqrt((s.width / 2) * (s.width / 2) + (s.height / 2) * (s.height / 2)) : s.radius;
  radius *= s.conversion;
  int steps = StepsForRadius(radius, lat);

  Hash h;
  Area area;
  auto neighbours = [&](Hash* n) {
    // N, S, E, W, NE, NW, SE, SW
    static const int kMoves[8][2] = {{0, 1}, {0, -1}, {1, 0}, {-1, 0}, {1, 1}, {-1, 1}, {1, -1}, {-1, -1}};
    for (int i = 0; i < 8; ++i) {
      n[i] = h;
      if (kMoves[i][0]) MoveX(&n[i], kMoves[i][0]);
      if (kMoves[i][1]) MoveY(&n[i], kMoves[i][1]);
    }
  };
  Hash n[8];
  Encode(kLonRange, kLatRange, lon, lat, steps, &h);
  neighbours(n);
  Decode(h, &area);
  // A cell that does not reach past the shape's bounds means the step is too fine.
  Area north, southa, east, west;
  Decode(n[0], &north);
  Decode(n[1], &southa);
  Decode(n[2], &east);
  Decode(n[3], &west);
  bool decrease = north.lat.max < max_lat || southa.lat.min > min_lat || east.lon.max < max_lon ||
                  west.lon.min > min_lon;
  if (steps > 1 && decrease) {
    steps--;
    Encode(kLonRange, kLatRange, lon, lat, steps, &h);
    neighbours(n);
    Decode(h, &area);
  }
  // Cells entirely outside the bounds are skipped.
  if (steps >= 2) {
    if (area.lat.min < min_lat) n[1] = n[7] = n[6] = Hash{};  // S, SW, SE
    if (area.lat.max > max_lat) n[0] = n[4] = n[5] = Hash{};  // N, NE, NW
    if (area.lon.min < min_lon) n[3] = n[7] = n[5] = Hash{};  // W, SW, NW
    if (area.lon.max > max_lon) n[2] = n[6] = n[4] = Hash{};  // E, SE, NE
  }
  cells[0] = h;
  for (int i = 0; i < 8; ++i) cells[i + 1] = n[i];
}

void CellScores(const Hash& h, uint64_t* min, uint64_t* max) {
  *min = h.bits << (52 - h.step * 2);
  *max = (h.bits + 1) << (52 - h.step * 2);
}

uint16_t SubCellsMayMatch(const Shape& s, const Hash& cell) {
  // Every point of a sub-cell decodes (DecodeScore: the centre of its
  // step-26 cell) inside the sub-cell's area; the area is padded so rounding
  // in the band edges below cannot put such a point outside it.
  constexpr double kPad = 1e-9;  // degrees, about 0.1 mm
  Area a;
  Decode(cell, &a);
  const double lon = s.xy[0], lat = s.xy[1];
  const double lat1r = Rad(lat);
  const double cos_lat1 = cos(lat1r);
  // Redis's haversine: a = sin^2(dlat/2) + cos(lat1) cos(lat2) sin^2(dlon/2),
  // d = 2R asin(sqrt(a)). Each term is bounded below on a band separately:
  // the latitude gap, the least cos(lat2) (at an edge: cos is concave on
  // [-90, 90]) and the least sin^2(dlon/2) (at an edge of the lon band unless
  // the centre is inside it: between two zeros sin^2 rises then falls).
  double lat_term[4], cos_min[4], lon_term[4];
  const double lat_step = (a.lat.max - a.lat.min) / 4, lon_step = (a.lon.max - a.lon.min) / 4;
  for (int i = 0; i < 4; ++i) {
    double lo = a.lat.min + lat_step * i - kPad, hi = a.lat.min + lat_step * (i + 1) + kPad;
    double gap = lat < lo ? lo - lat : (lat > hi ? lat - hi : 0);
    double u = sin(Rad(gap) / 2);
    lat_term[i] = u * u;
    cos_min[i] = std::max(0.0, std::min(cos(Rad(std::max(lo, -90.0))), cos(Rad(std::min(hi, 90.0)))));
    double wlo = a.lon.min + lon_step * i - kPad, whi = a.lon.min + lon_step * (i + 1) + kPad;
    if (lon >= wlo && lon <= whi) {
      lon_term[i] = 0;
    } else {
      double v1 = sin(Rad(wlo - lon) / 2), v2 = sin(Rad(whi - lon) / 2);
      lon_term[i] = std::min(v1 * v1, v2 * v2);
    }
  }
  auto bound = [](double a_low) { return 2.0 * kEarthRadius * asin(sqrt(std::min(1.0, a_low))); };
  // Rounding margin: relative 1e-9 plus a micrometre.
  auto beyond = [](double d, double limit) { return d > limit * (1 + 1e-9) + 1e-6; };
  uint16_t mask = 0;
  for (unsigned q = 0; q < 16; ++q) {
    // Latitude on the even bits, longitude on the odd ones (coarser first).
    int ilat = int((q & 1) | ((q >> 1) & 2)), ilon = int(((q >> 1) & 1) | ((q >> 2) & 2));
    bool out;
    if (!s.box) {
      double a_low = lat_term[ilat] + cos_lat1 * cos_min[ilat] * lon_term[ilon];
      out = beyond(bound(a_low), s.radius * s.conversion);
    } else {
      // Within's box test: the latitude distance, then the longitude
      // distance along the point's own parallel.
      out = beyond(bound(lat_term[ilat]), s.height * s.conversion / 2) ||
            beyond(bound(cos_min[ilat] * cos_min[ilat] * lon_term[ilon]), s.width * s.conversion / 2);
    }
    if (!out) mask = uint16_t(mask | (1u << q));
  }
  return mask;
}

bool Within(const Shape& s, double score, double* xy, double* dist) {
  DecodeScore(score, xy);
  if (!s.box) {
    *dist = Distance(s.xy[0], s.xy[1], xy[0], xy[1]);
    return *dist <= s.radius * s.conversion;
  }
  if (LatDistance(xy[1], s.xy[1]) > s.height * s.conversion / 2) return false;
  if (Distance(xy[0], xy[1], s.xy[0], xy[1]) > s.width * s.conversion / 2) return false;
  *dist = Distance(s.xy[0], s.xy[1], xy[0], xy[1]);
  return true;
}

}  // namespace vireo::geo
