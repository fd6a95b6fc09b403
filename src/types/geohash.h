// Geohash arithmetic as Redis's geo commands use it: 52-bit interleaved
// scores (26 steps of longitude and latitude, latitude on the even bits,
// latitudes limited to +-85.05112878 as in Web Mercator), decoding to the
// centre of the cell, the nine search cells around a point for a radius or
// box, Redis's haversine distance and the 11-character geohash text.
// Results must equal Redis's to the last bit (scores, coordinates and
// distances are compared as text), so the formulas follow its definitions.
// Thread rule: none (pure functions).
#pragma once
#include <cstdint>
#include <string>

namespace vireo::geo {

inline constexpr double kLonMin = -180, kLonMax = 180;
inline constexpr double kLatMin = -85.05112878, kLatMax = 85.05112878;
inline constexpr int kStepMax = 26;

struct Range {
  double min, max;
};
struct Hash {
  uint64_t bits = 0;
  uint8_t step = 0;
  bool zero() const { return bits == 0 && step == 0; }
};
struct Area {
  Range lon, lat;
};

// False when outside the ranges (or the limits above).
bool Encode(const Range& lon_range, const Range& lat_range, double lon, double lat, int step, Hash* out);
// The 52-bit score of a point (valid coordinates).
uint64_t Score(double lon, double lat);
// Centre of the cell a score names: xy[0] longitude, xy[1] latitude.
void DecodeScore(double score, double* xy);
void Decode(const Hash& h, Area* area);

double Distance(double lon1, double lat1, double lon2, double lat2);
double LatDistance(double lat1, double lat2);

// Redis's 11-character geohash of a score (re-encoded with latitudes +-90).
std::string HashText(double score);

// A search shape: centre, radius or box (in the unit), unit in metres.
struct Shape {
  bool box = false;
  double xy[2] = {0, 0};
  double radius = 0, width = 0, height = 0;
  double conversion = 1;
};
// The cells to scan, in Redis's order (centre, N, S, E, W, NE, NW, SE, SW);
// zero hashes are skipped cells.
void SearchCells(const Shape& s, Hash cells[9]);
// [min, max) score range of a cell.
void CellScores(const Hash& h, uint64_t* min, uint64_t* max);
// Which of the 16 cells two steps finer than `cell` (step <= kStepMax - 2)
// can hold a point inside the shape: bit q stands for the sub-cell whose
// hash is (cell.bits << 4) | q, so ascending bits are ascending scores. A
// clear bit is certain: a lower bound of Redis's distance from the centre to
// the sub-cell, with a margin for rounding, is beyond the shape. Searches
// skip clear sub-cells and return exactly what a full scan of the cell would.
uint16_t SubCellsMayMatch(const Shape& s, const Hash& cell);
// Whether the point (score) is inside the shape; *dist in metres.
bool Within(const Shape& s, double score, double* xy, double* dist);

}  // namespace vireo::geo
