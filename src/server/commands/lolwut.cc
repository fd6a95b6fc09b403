// LOLWUT [VERSION v [args...]]: Redis 7.0's reply shapes. Without a version
// it is the version line alone (as Redis 7.0); VERSION 5 draws a "Schotter"
// of squares that fall into disorder row by row, in Braille characters
// (args: columns, squares per row, squares per column); VERSION 6 a small
// city skyline in four grey levels of ANSI colour blocks (args: columns,
// rows). Both drawings are random, are Vireo's own, and end with Redis's
// credit line. Stateless; main thread like every handler.
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "base/numbers.h"
#include "base/version.h"
#include "commands/core/args.h"
#include "resp/reply_builder.h"
#include "server/commands/config_cmds.h"
#include "server/commands/server_context.h"

namespace vireo {
namespace {

std::string VersionLine() { return std::string("Redis ver. ") + kRedisCompatVersion + "\n"; }

std::mt19937& Rng() {
  static std::mt19937 rng{std::random_device{}()};
  return rng;
}

// A 1-bit canvas rendered as Braille: each character holds 2x4 dots.
class BrailleCanvas {
 public:
  BrailleCanvas(int width, int height) : width_(width), height_(height), dots_(size_t(width) * size_t(height)) {}
  void Set(int x, int y) {
    if (x >= 0 && y >= 0 && x < width_ && y < height_) dots_[size_t(y) * size_t(width_) + size_t(x)] = 1;
  }
  void Line(double x0, double y0, double x1, double y1) {
    const int steps = int(std::max(std::fabs(x1 - x0), std::fabs(y1 - y0))) + 1;
    for (int i = 0; i <= steps; ++i) {
      const double t = double(i) / steps;
      Set(int(std::lround(x0 + (x1 - x0) * t)), int(std::lround(y0 + (y1 - y0) * t)));
    }
  }
  std::string Render() const {
    // Bit of each dot of a cell, by (dx, dy): Unicode's Braille numbering.
    static const int kBit[2][4] = {{0x01, 0x02, 0x04, 0x40}, {0x08, 0x10, 0x20, 0x80}};
    std::string out;
    for (int cy = 0; cy < height_; cy += 4) {
      for (int cx = 0; cx < width_; cx += 2) {
        int bits = 0;
        for (int dx = 0; dx < 2; ++dx) {
          for (int dy = 0; dy < 4; ++dy) {
            const int x = cx + dx, y = cy + dy;
            if (x < width_ && y < height_ && dots_[size_t(y) * size_t(width_) + size_t(x)]) bits |= kBit[dx][dy];
          }
        }
        // U+2800 + bits in UTF-8.
        out += char(0xE2);
        out += char(0xA0 | (bits >> 6));
        out += char(0x80 | (bits & 0x3F));
      }
      out += '\n';
    }
    return out;
  }

 private:
  int width_, height_;
  std::vector<char> dots_;
};

std::string Schotter(long long columns, long long per_row, long long per_col) {
  const int width = int(columns) * 2;
  const int padding = width > 4 ? 2 : 0;
  const double side = double(width - 2 * padding) / double(per_row);
  const int height = int(side * double(per_col)) + 2 * padding;
  BrailleCanvas canvas(width, height);
  std::uniform_real_distribution<double> jitter(-1.0, 1.0);
  for (long long row = 0; row < per_col; ++row) {
    // Order at the top, more rotation and displacement further down.
    const double disorder = double(row) / double(per_col);
    for (long long col = 0; col < per_row; ++col) {
      const double cx = padding + side * (double(col) + 0.5) + jitter(Rng()) * disorder * side * 0.3;
      const double cy = padding + side * (double(row) + 0.5) + jitter(Rng()) * disorder * side * 0.3;
      const double angle = jitter(Rng()) * disorder * M_PI / 4;
      double px[4], py[4];
      for (int k = 0; k < 4; ++k) {
        const double a = angle + M_PI / 4 + k * M_PI / 2;
        px[k] = cx + std::cos(a) * side / std::sqrt(2.0) * 0.9;
        py[k] = cy + std::sin(a) * side / std::sqrt(2.0) * 0.9;
      }
      for (int k = 0; k < 4; ++k) canvas.Line(px[k], py[k], px[(k + 1) % 4], py[(k + 1) % 4]);
    }
  }
  return canvas.Render() + "\nGeorg Nees - schotter, plotter on paper, 1968. " + VersionLine();
}

std::string Skyline(long long columns, long long rows) {
  // Four grey levels as ANSI colour blocks (foreground;background).
  static const char* const kShade[] = {"0;30;40", "0;90;100", "0;37;47", "0;97;107"};
  std::vector<int> level(size_t(columns * rows), 3);  // a light sky
  auto at = [&](long long x, long long y) -> int& { return level[size_t(y * columns + x)]; };
  std::uniform_int_distribution<int> width_of(3, 8), chance(0, 99);
  for (long long x = 0; x < columns;) {
    const long long w = std::min<long long>(width_of(Rng()), columns - x);
    const long long h = std::uniform_int_distribution<long long>(rows / 4, rows)(Rng());
    const int body = chance(Rng()) < 50 ? 0 : 1;
    for (long long bx = x; bx < x + w; ++bx) {
      for (long long y = rows - h; y < rows; ++y) {
        const bool window = bx > x && bx < x + w - 1 && (y - (rows - h)) % 2 == 1 && (bx - x) % 2 == 1;
        at(bx, y) = window ? (chance(Rng()) < 60 ? 2 : body) : body;
      }
    }
    x += w + (chance(Rng()) < 30 ? 1 : 0);
  }
  std::string out;
  for (long long y = 0; y < rows; ++y) {
    if (y) out += '\n';  // rows are joined: the credit's own newline ends the last one
    for (long long x = 0; x < columns; ++x) {
      out += "\033[";
      out += kShade[at(x, y)];
      out += "m \033[0m";
    }
  }
  return out + "\nDedicated to the 8 bit game developers of past and present.\n"
               "Original 8 bit image from Plaguemon by hikikomori. " + VersionLine();
}

// Reads optional numeric argument i (default `def`), clamped to [lo, hi].
bool NumArg(ServerContext& ctx, size_t i, long long def, long long lo, long long hi, long long* out) {
  *out = def;
  if (i < ctx.args.size() && !ArgInt64(ctx, i, out)) return false;
  *out = std::clamp(*out, lo, hi);
  return true;
}

void CmdLolwut(ServerContext& ctx) {
  const auto& a = ctx.args;
  long long version = 7;
  if (a.size() >= 3 && EqualsNoCase(a[1], "version") && !ArgInt64(ctx, 2, &version)) return;
  std::string text;
  if (version == 5 && a.size() >= 3) {
    long long columns, per_row, per_col;
    if (!NumArg(ctx, 3, 66, 1, 1000, &columns) || !NumArg(ctx, 4, 8, 1, 200, &per_row) ||
        !NumArg(ctx, 5, 12, 1, 200, &per_col)) {
      return;
    }
    text = Schotter(columns, per_row, per_col);
  } else if (version == 6 && a.size() >= 3) {
    long long columns, rows;
    if (!NumArg(ctx, 3, 80, 1, 1000, &columns) || !NumArg(ctx, 4, 20, 1, 1000, &rows)) return;
    text = Skyline(columns, rows);
  } else {
    text = VersionLine();
  }
  ctx.reply.Verbatim(text);
}

}  // namespace

void BindLolwutCommand(CommandTable& t) { t.Bind("lolwut", OnServer<CmdLolwut>); }

}  // namespace vireo
