// Sparkline: renders a series of values as rows of ASCII characters, the
// graph LATENCY GRAPH draws. The output is the one Redis prints for the same
// samples: `rows` rows of height steps (three per row: "_o#" when filled,
// "_-`" otherwise, '|' below a filled point's top), then, when any sample has
// a label, one blank row and the labels written downwards one character per
// row. A series longer than `columns` is drawn in blocks of `columns`
// samples separated by an empty line. Written for Vireo from the output
// format; it holds no state.
//
// Thread-safe (a pure function).
#ifndef VIREO_BASE_SPARKLINE_H_
#define VIREO_BASE_SPARKLINE_H_

#include <string>
#include <vector>

namespace vireo {

struct SparklineSample {
  double value = 0;
  std::string label;  // may be empty
};

// Appends the rendering of `samples` to *out (each row ends with "\n").
void RenderSparkline(const std::vector<SparklineSample>& samples, int columns, int rows, bool fill,
                     std::string* out);

}  // namespace vireo

#endif  // VIREO_BASE_SPARKLINE_H_
