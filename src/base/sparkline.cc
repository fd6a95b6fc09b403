#include "base/sparkline.h"

#include <algorithm>

namespace vireo {

namespace {

constexpr char kLine[] = "_-`";
constexpr char kFilled[] = "_o#";
constexpr int kLevelsPerRow = 3;

// One block of at most `columns` samples; min and max span the whole series,
// so every block shares one vertical scale.
void RenderBlock(const std::vector<SparklineSample>& s, size_t from, size_t len, double min, double max,
                 bool any_label, int rows, bool fill, std::string* out) {
  const int levels = kLevelsPerRow * rows;
  double range = max - min;
  if (range == 0) range = 1;
  std::vector<int> level(len);
  size_t longest_label = 0;
  for (size_t j = 0; j < len; ++j) {
    // Truncated twice, as Redis computes the step: the scaled value, then
    // the quotient.
    int l = int(double(int((s[from + j].value - min) * levels)) / range);
    level[j] = std::clamp(l, 0, levels - 1);
    longest_label = std::max(longest_label, s[from + j].label.size());
  }
  std::string row_text(len, ' ');
  // The graph: the top row first. A point's character sits in the row its
  // level falls in; with fill, the rows under it get '|'.
  for (int row = 0; row < rows; ++row) {
    const int base = (rows - row - 1) * kLevelsPerRow;
    for (size_t j = 0; j < len; ++j) {
      const int idx = level[j] - base;
      char ch = ' ';
      if (idx >= 0 && idx < kLevelsPerRow) {
        ch = fill ? kFilled[idx] : kLine[idx];
      } else if (fill && idx >= kLevelsPerRow) {
        ch = '|';
      }
      row_text[j] = ch;
    }
    *out += row_text;
    *out += '\n';
  }
  if (!any_label) return;
  // One empty row, then the labels top to bottom while any label goes on
  // (a block whose own labels are all empty still gets the empty row).
  *out += std::string(len, ' ');
  *out += '\n';
  for (size_t c = 0; c < longest_label; ++c) {
    for (size_t j = 0; j < len; ++j) {
      const std::string& label = s[from + j].label;
      row_text[j] = c < label.size() ? label[c] : ' ';
    }
    *out += row_text;
    *out += '\n';
  }
}

}  // namespace

void RenderSparkline(const std::vector<SparklineSample>& samples, int columns, int rows, bool fill,
                     std::string* out) {
  if (samples.empty() || columns <= 0 || rows <= 0) return;
  double min = samples[0].value, max = samples[0].value;
  bool any_label = false;
  for (const SparklineSample& s : samples) {
    min = std::min(min, s.value);
    max = std::max(max, s.value);
    any_label = any_label || !s.label.empty();
  }
  for (size_t j = 0; j < samples.size(); j += size_t(columns)) {
    if (j != 0) *out += '\n';
    RenderBlock(samples, j, std::min(size_t(columns), samples.size() - j), min, max, any_label, rows, fill, out);
  }
}

}  // namespace vireo
