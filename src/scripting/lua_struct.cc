// The struct library of Redis scripts: struct.pack(fmt, ...),
// struct.unpack(fmt, data[, init]) and struct.size(fmt), written here with
// the behaviour Redis 7.0 scripts see (checked reply for reply, error texts
// included, against redis-server).
//
// A format is a sequence of options:
//   > <        big / little endian (native, little, at the start)
//   ![n]       maximum alignment n (a power of 2; 8 without n; 1 at the start)
//   x          one zero byte
//   b B h H    signed/unsigned char (1 byte) and short (2)
//   l L T      signed/unsigned long and size_t (8)
//   i[n] I[n]  signed/unsigned integer of n bytes (4 without n, at most 32)
//   f d        float (4) and double (8)
//   s          zero-terminated string
//   c[n]       n bytes (1 without n); c0 packs the whole string, and unpacks
//              as many bytes as the number unpacked just before it
//   space      ignored
// Numbers are Lua numbers (doubles); integers go through a 64-bit integer,
// so sizes past 8 bytes carry zeros (pack) or keep the last 8 bytes (unpack).
// Items are aligned to min(their size, the maximum alignment), c and s not.
// Thread rule: called by the Lua VM on the main thread; no state.
#include <lua5.1/lua.hpp>

#include <cctype>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace vireo {

namespace {

constexpr int kMaxIntSize = 32;
constexpr int kMaxAlign = 8;  // a double's alignment

struct Format {
  bool little = true;  // x86-64 byte order
  int align = 1;
};

// Digits after an option, or `def` when there are none.
int ReadNumber(lua_State* L, const char** fmt, int def) {
  if (!isdigit(static_cast<unsigned char>(**fmt))) return def;
  int n = 0;
  while (isdigit(static_cast<unsigned char>(**fmt))) {
    const int digit = **fmt - '0';
    if (n > INT_MAX / 10 || n * 10 > INT_MAX - digit) luaL_error(L, "integral size overflow");
    n = n * 10 + digit;
    ++*fmt;
  }
  return n;
}

// Bytes the option takes (0 for s, control options and c0).
size_t OptionSize(lua_State* L, int opt, const char** fmt) {
  switch (opt) {
    case 'x':
    case 'b':
    case 'B': return 1;
    case 'h':
    case 'H': return 2;
    case 'l':
    case 'L':
    case 'T':
    case 'd': return 8;
    case 'f': return 4;
    case 'c': return size_t(ReadNumber(L, fmt, 1));
    case 'i':
    case 'I': {
      const int n = ReadNumber(L, fmt, 4);
      if (n > kMaxIntSize) luaL_error(L, "integral size %d is larger than limit of %d", n, kMaxIntSize);
      return size_t(n);
    }
    default: return 0;
  }
}

// Padding before an item of `size` bytes at offset `at`.
size_t Padding(size_t at, const Format& f, int opt, size_t size) {
  if (size == 0 || opt == 'c') return 0;
  if (size > size_t(f.align)) size = size_t(f.align);
  return (size - (at & (size - 1))) & (size - 1);
}

void ControlOption(lua_State* L, int opt, const char** fmt, Format* f) {
  switch (opt) {
    case ' ': return;
    case '>': f->little = false; return;
    case '<': f->little = true; return;
    case '!': {
      const int a = ReadNumber(L, fmt, kMaxAlign);
      if (a <= 0 || (a & (a - 1)) != 0) luaL_error(L, "alignment %d is not a power of 2", a);
      f->align = a;
      return;
    }
    default: luaL_argerror(L, 1, lua_pushfstring(L, "invalid format option '%c'", opt));
  }
}

// A double to the 64-bit pattern the integer options store: negative values
// through a signed integer, others through an unsigned one, with the results
// Redis's x86-64 build gives where C leaves the conversion undefined: NaN
// and values below -2^63 give 2^63, values from 2^64 up give 0.
uint64_t ToBits(lua_Number n) {
  if (std::isnan(n)) return uint64_t(1) << 63;
  if (n < 0) return n >= -9223372036854775808.0 ? uint64_t(int64_t(n)) : (uint64_t(1) << 63);
  if (n < 9223372036854775808.0) return uint64_t(int64_t(n));
  if (n < 18446744073709551616.0) return uint64_t(n);
  return 0;
}

void PutInteger(luaL_Buffer* b, lua_Number n, bool little, size_t size) {
  uint64_t v = ToBits(n);
  char bytes[kMaxIntSize];
  for (size_t i = 0; i < size; ++i) {
    bytes[little ? i : size - 1 - i] = char(v & 0xff);
    v >>= 8;
  }
  luaL_addlstring(b, bytes, size);
}

lua_Number GetInteger(const char* p, bool little, bool is_signed, size_t size) {
  uint64_t v = 0;
  for (size_t i = 0; i < size; ++i) {
    v = (v << 8) | uint64_t(static_cast<unsigned char>(p[little ? size - 1 - i : i]));
  }
  if (!is_signed) return lua_Number(v);
  // Sign extension from bit size*8-1; past 8 bytes the shift count wraps
  // modulo 64 as on Redis's x86-64 build (i12 extends from bit 31).
  const uint64_t mask = ~uint64_t(0) << ((size * 8 - 1) & 63);
  if (v & mask) v |= mask;
  return lua_Number(int64_t(v));
}

// Copies n bytes of a float/double between native and the format's order.
void CopyOrdered(char* dst, const char* src, size_t n, bool little) {
  for (size_t i = 0; i < n; ++i) dst[i] = src[little ? i : n - 1 - i];
}

int Pack(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  Format f;
  int arg = 2;
  size_t total = 0;
  lua_pushnil(L);  // keeps the arguments apart from the buffer's stack slots
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  while (*fmt) {
    const int opt = *fmt++;
    size_t size = OptionSize(L, opt, &fmt);
    size_t pad = Padding(total, f, opt, size);
    total += pad;
    while (pad-- > 0) luaL_addchar(&b, '\0');
    switch (opt) {
      case 'b': case 'B': case 'h': case 'H': case 'l': case 'L': case 'T': case 'i': case 'I':
        PutInteger(&b, luaL_checknumber(L, arg++), f.little, size);
        break;
      case 'x': luaL_addchar(&b, '\0'); break;
      case 'f': {
        const float v = float(luaL_checknumber(L, arg++));
        char out[4];
        CopyOrdered(out, reinterpret_cast<const char*>(&v), 4, f.little);
        luaL_addlstring(&b, out, 4);
        break;
      }
      case 'd': {
        const double v = luaL_checknumber(L, arg++);
        char out[8];
        CopyOrdered(out, reinterpret_cast<const char*>(&v), 8, f.little);
        luaL_addlstring(&b, out, 8);
        break;
      }
      case 'c':
      case 's': {
        size_t len;
        const char* s = luaL_checklstring(L, arg++, &len);
        if (size == 0) size = len;
        // Redis's library names the argument after the string here.
        luaL_argcheck(L, len >= size, arg, "string too short");
        luaL_addlstring(&b, s, size);
        if (opt == 's') {
          luaL_addchar(&b, '\0');
          ++size;
        }
        break;
      }
      default: ControlOption(L, opt, &fmt, &f);
    }
    total += size;
  }
  luaL_pushresult(&b);
  return 1;
}

int Unpack(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  size_t len;
  const char* data = luaL_checklstring(L, 2, &len);
  size_t pos = size_t(luaL_optinteger(L, 3, 1));
  luaL_argcheck(L, pos > 0, 3, "offset must be 1 or greater");
  --pos;
  Format f;
  lua_settop(L, 2);
  while (*fmt) {
    const int opt = *fmt++;
    size_t size = OptionSize(L, opt, &fmt);
    pos += Padding(pos, f, opt, size);
    luaL_argcheck(L, size <= len && pos <= len - size, 2, "data string too short");
    luaL_checkstack(L, 2, "too many results");
    switch (opt) {
      case 'b': case 'B': case 'h': case 'H': case 'l': case 'L': case 'T': case 'i': case 'I':
        lua_pushnumber(L, GetInteger(data + pos, f.little, islower(opt), size));
        break;
      case 'x': break;
      case 'f': {
        float v;
        CopyOrdered(reinterpret_cast<char*>(&v), data + pos, 4, f.little);
        lua_pushnumber(L, v);
        break;
      }
      case 'd': {
        double v;
        CopyOrdered(reinterpret_cast<char*>(&v), data + pos, 8, f.little);
        lua_pushnumber(L, v);
        break;
      }
      case 'c': {
        if (size == 0) {
          if (lua_gettop(L) == 2 || !lua_isnumber(L, -1)) luaL_error(L, "format 'c0' needs a previous size");
          const lua_Number n = lua_tonumber(L, -1);
          size = n >= 0 && n < 1e18 ? size_t(n) : SIZE_MAX;
          lua_pop(L, 1);
          luaL_argcheck(L, size <= len && pos <= len - size, 2, "data string too short");
        }
        lua_pushlstring(L, data + pos, size);
        break;
      }
      case 's': {
        const void* end = memchr(data + pos, '\0', len - pos);
        if (!end) luaL_error(L, "unfinished string in data");
        size = size_t(static_cast<const char*>(end) - (data + pos)) + 1;
        lua_pushlstring(L, data + pos, size - 1);
        break;
      }
      default: ControlOption(L, opt, &fmt, &f);
    }
    pos += size;
  }
  lua_pushinteger(L, lua_Integer(pos + 1));
  return lua_gettop(L) - 2;
}

int Size(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  Format f;
  size_t pos = 0;
  while (*fmt) {
    const int opt = *fmt++;
    const size_t size = OptionSize(L, opt, &fmt);
    pos += Padding(pos, f, opt, size);
    if (opt == 's') {
      luaL_argerror(L, 1, "option 's' has no fixed size");
    } else if (opt == 'c' && size == 0) {
      luaL_argerror(L, 1, "option 'c0' has no fixed size");
    }
    if (!isalnum(opt)) ControlOption(L, opt, &fmt, &f);
    pos += size;
  }
  lua_pushinteger(L, lua_Integer(pos));
  return 1;
}

}  // namespace

int LuaOpenStruct(lua_State* L) {
  static const luaL_Reg kFunctions[] = {{"pack", Pack}, {"unpack", Unpack}, {"size", Size}, {nullptr, nullptr}};
  lua_newtable(L);
  luaL_register(L, nullptr, kFunctions);
  return 1;
}

}  // namespace vireo
