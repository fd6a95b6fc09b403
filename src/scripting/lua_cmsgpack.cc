// The cmsgpack library of Redis scripts (MessagePack), written here with
// the behaviour of the lua-cmsgpack Redis bundles: pack(...) encodes every
// argument and concatenates them (integral numbers as the smallest integer
// form, other numbers as float32 when exact else float64, strings as str
// 8/16/32, tables as arrays when their keys are exactly 1..n else maps,
// nesting past 16 levels and unsupported values as nil); unpack(s) returns
// every value, unpack_one(s[, offset]) and unpack_limit(s, limit[, offset])
// return the next offset (-1 at the end) first. Malformed input raises
// "Missing bytes in input." or "Bad data format in input.".
#include <lua5.1/lua.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

namespace vireo {

namespace {

constexpr int kMaxNesting = 16;

void PutBig(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(char((v >> (8 * i)) & 0xff));
}

void EncodeInt(std::string& out, int64_t n) {
  if (n >= 0) {
    if (n <= 127) {
      out.push_back(char(n));
    } else if (n <= 0xff) {
      out.push_back(char(0xcc));
      PutBig(out, uint64_t(n), 1);
    } else if (n <= 0xffff) {
      out.push_back(char(0xcd));
      PutBig(out, uint64_t(n), 2);
    } else if (n <= 0xffffffffLL) {
      out.push_back(char(0xce));
      PutBig(out, uint64_t(n), 4);
    } else {
      out.push_back(char(0xcf));
      PutBig(out, uint64_t(n), 8);
    }
  } else {
    if (n >= -32) {
      out.push_back(char(n));
    } else if (n >= -128) {
      out.push_back(char(0xd0));
      PutBig(out, uint64_t(n), 1);
    } else if (n >= -32768) {
      out.push_back(char(0xd1));
      PutBig(out, uint64_t(n), 2);
    } else if (n >= -2147483648LL) {
      out.push_back(char(0xd2));
      PutBig(out, uint64_t(n), 4);
    } else {
      out.push_back(char(0xd3));
      PutBig(out, uint64_t(n), 8);
    }
  }
}

void EncodeNumber(std::string& out, lua_Number n) {
  if (std::isfinite(n) && n == std::floor(n) && n >= -9223372036854775808.0 && n < 9223372036854775808.0) {
    EncodeInt(out, int64_t(n));
    return;
  }
  float f = float(n);
  if (double(f) == double(n) || std::isnan(n)) {
    uint32_t bits;
    memcpy(&bits, &f, 4);
    out.push_back(char(0xca));
    PutBig(out, bits, 4);
  } else {
    double d = n;
    uint64_t bits;
    memcpy(&bits, &d, 8);
    out.push_back(char(0xcb));
    PutBig(out, bits, 8);
  }
}

void EncodeString(std::string& out, const char* s, size_t len) {
  if (len < 32) {
    out.push_back(char(0xa0 | len));
  } else if (len <= 0xff) {
    out.push_back(char(0xd9));
    PutBig(out, len, 1);
  } else if (len <= 0xffff) {
    out.push_back(char(0xda));
    PutBig(out, len, 2);
  } else {
    out.push_back(char(0xdb));
    PutBig(out, len, 4);
  }
  out.append(s, len);
}

void EncodeHeader(std::string& out, size_t n, uint8_t fix, uint8_t h16, uint8_t h32) {
  if (n < 16) {
    out.push_back(char(fix | n));
  } else if (n <= 0xffff) {
    out.push_back(char(h16));
    PutBig(out, n, 2);
  } else {
    out.push_back(char(h32));
    PutBig(out, n, 4);
  }
}

// True when the table on top has exactly the keys 1..n.
bool IsArray(lua_State* L) {
  lua_Number max = 0;
  size_t count = 0;
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TNUMBER) {
      lua_pop(L, 1);
      return false;
    }
    lua_Number k = lua_tonumber(L, -1);
    if (k <= 0 || k != std::floor(k)) {
      lua_pop(L, 1);
      return false;
    }
    if (k > max) max = k;
    ++count;
  }
  return max == lua_Number(count);
}

void EncodeValue(lua_State* L, std::string& out, int level);

void EncodeTable(lua_State* L, std::string& out, int level) {
  if (!lua_checkstack(L, 4)) {
    out.push_back(char(0xc0));
    return;
  }
  if (IsArray(L)) {
    size_t n = lua_objlen(L, -1);
    EncodeHeader(out, n, 0x90, 0xdc, 0xdd);
    for (size_t j = 1; j <= n; ++j) {
      lua_rawgeti(L, -1, int(j));
      EncodeValue(L, out, level + 1);
    }
    return;
  }
  size_t n = 0;
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    lua_pop(L, 1);
    ++n;
  }
  EncodeHeader(out, n, 0x80, 0xde, 0xdf);
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    lua_pushvalue(L, -2);  // encode a copy of the key: lua_next needs the original
    EncodeValue(L, out, level + 1);
    EncodeValue(L, out, level + 1);
  }
}

// Encodes the value on top and pops it.
void EncodeValue(lua_State* L, std::string& out, int level) {
  switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
      size_t len = 0;
      const char* s = lua_tolstring(L, -1, &len);
      EncodeString(out, s, len);
      break;
    }
    case LUA_TBOOLEAN:
      out.push_back(char(lua_toboolean(L, -1) ? 0xc3 : 0xc2));
      break;
    case LUA_TNUMBER:
      EncodeNumber(out, lua_tonumber(L, -1));
      break;
    case LUA_TTABLE:
      if (level >= kMaxNesting) out.push_back(char(0xc0));
      else EncodeTable(L, out, level);
      break;
    default:
      out.push_back(char(0xc0));
  }
  lua_pop(L, 1);
}

int Pack(lua_State* L) {
  const int n = lua_gettop(L);
  if (n == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
  std::string out;
  for (int i = 1; i <= n; ++i) {
    lua_pushvalue(L, i);
    EncodeValue(L, out, 0);
  }
  lua_pushlstring(L, out.data(), out.size());
  return 1;
}

// ---- decoding ----

struct Cursor {
  const unsigned char* p;
  size_t left;
  int error = 0;  // 1 missing bytes, 2 bad format
};

bool Need(Cursor& c, size_t n) {
  if (c.left < n) {
    c.error = 1;
    return false;
  }
  return true;
}

uint64_t GetBig(Cursor& c, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | c.p[i];
  c.p += bytes;
  c.left -= size_t(bytes);
  return v;
}

void DecodeValue(lua_State* L, Cursor& c, int depth);

void DecodeString(lua_State* L, Cursor& c, size_t len) {
  if (!Need(c, len)) return;
  lua_pushlstring(L, reinterpret_cast<const char*>(c.p), len);
  c.p += len;
  c.left -= len;
}

void DecodeArray(lua_State* L, Cursor& c, size_t n, int depth) {
  if (n > c.left) {  // every element takes at least one byte
    c.error = 1;
    return;
  }
  lua_createtable(L, int(n), 0);
  for (size_t i = 1; i <= n && !c.error; ++i) {
    DecodeValue(L, c, depth + 1);
    if (c.error) return;
    lua_rawseti(L, -2, int(i));
  }
}

void DecodeMap(lua_State* L, Cursor& c, size_t n, int depth) {
  if (n > c.left / 2) {
    c.error = 1;
    return;
  }
  lua_createtable(L, 0, int(n));
  for (size_t i = 0; i < n && !c.error; ++i) {
    DecodeValue(L, c, depth + 1);
    if (c.error) return;
    DecodeValue(L, c, depth + 1);
    if (c.error) return;
    if (lua_isnil(L, -2)) {  // a nil key cannot be stored
      lua_pop(L, 2);
      continue;
    }
    lua_rawset(L, -3);
  }
}

// Pushes one value (or sets c.error and may leave partial values: the
// caller resets the stack).
void DecodeValue(lua_State* L, Cursor& c, int depth) {
  if (depth > 1000 || !lua_checkstack(L, 4)) {
    c.error = 2;
    return;
  }
  if (!Need(c, 1)) return;
  const unsigned char t = *c.p++;
  c.left--;
  if (t <= 0x7f) {
    lua_pushnumber(L, t);
  } else if (t >= 0xe0) {
    lua_pushnumber(L, int8_t(t));
  } else if ((t & 0xf0) == 0x80) {
    DecodeMap(L, c, t & 0x0f, depth);
  } else if ((t & 0xf0) == 0x90) {
    DecodeArray(L, c, t & 0x0f, depth);
  } else if ((t & 0xe0) == 0xa0) {
    DecodeString(L, c, t & 0x1f);
  } else {
    switch (t) {
      case 0xc0: lua_pushnil(L); break;
      case 0xc2: lua_pushboolean(L, 0); break;
      case 0xc3: lua_pushboolean(L, 1); break;
      case 0xcc: if (Need(c, 1)) lua_pushnumber(L, lua_Number(GetBig(c, 1))); break;
      case 0xcd: if (Need(c, 2)) lua_pushnumber(L, lua_Number(GetBig(c, 2))); break;
      case 0xce: if (Need(c, 4)) lua_pushnumber(L, lua_Number(GetBig(c, 4))); break;
      case 0xcf: if (Need(c, 8)) lua_pushnumber(L, lua_Number(GetBig(c, 8))); break;
      case 0xd0: if (Need(c, 1)) lua_pushnumber(L, lua_Number(int8_t(GetBig(c, 1)))); break;
      case 0xd1: if (Need(c, 2)) lua_pushnumber(L, lua_Number(int16_t(GetBig(c, 2)))); break;
      case 0xd2: if (Need(c, 4)) lua_pushnumber(L, lua_Number(int32_t(GetBig(c, 4)))); break;
      case 0xd3: if (Need(c, 8)) lua_pushnumber(L, lua_Number(int64_t(GetBig(c, 8)))); break;
      case 0xca:
        if (Need(c, 4)) {
          uint32_t bits = uint32_t(GetBig(c, 4));
          float f;
          memcpy(&f, &bits, 4);
          lua_pushnumber(L, f);
        }
        break;
      case 0xcb:
        if (Need(c, 8)) {
          uint64_t bits = GetBig(c, 8);
          double d;
          memcpy(&d, &bits, 8);
          lua_pushnumber(L, d);
        }
        break;
      case 0xc4: case 0xd9: if (Need(c, 1)) DecodeString(L, c, GetBig(c, 1)); break;
      case 0xc5: case 0xda: if (Need(c, 2)) DecodeString(L, c, GetBig(c, 2)); break;
      case 0xc6: case 0xdb: if (Need(c, 4)) DecodeString(L, c, GetBig(c, 4)); break;
      case 0xdc: if (Need(c, 2)) DecodeArray(L, c, GetBig(c, 2), depth); break;
      case 0xdd: if (Need(c, 4)) DecodeArray(L, c, GetBig(c, 4), depth); break;
      case 0xde: if (Need(c, 2)) DecodeMap(L, c, GetBig(c, 2), depth); break;
      case 0xdf: if (Need(c, 4)) DecodeMap(L, c, GetBig(c, 4), depth); break;
      default: c.error = 2;
    }
  }
}

// Decodes up to `limit` values (0: all) from offset; with_offset pushes the
// next offset (-1 when the input is used up) first.
int UnpackFull(lua_State* L, int limit, size_t offset, bool with_offset) {
  size_t len = 0;
  const char* s = luaL_checklstring(L, 1, &len);
  if (offset > len) return luaL_error(L, "Start offset %d greater than input length %d.", int(offset), int(len));
  Cursor c{reinterpret_cast<const unsigned char*>(s) + offset, len - offset};
  const int base = lua_gettop(L);
  if (with_offset) lua_pushnil(L);  // the offset's place
  int count = 0;
  while (c.left > 0 && (limit == 0 || count < limit)) {
    DecodeValue(L, c, 0);
    if (c.error) {
      lua_settop(L, base);
      return luaL_error(L, c.error == 1 ? "Missing bytes in input." : "Bad data format in input.");
    }
    ++count;
  }
  if (with_offset) {
    lua_pushnumber(L, c.left == 0 ? -1 : lua_Number(len - c.left));
    lua_replace(L, base + 1);
  }
  return lua_gettop(L) - base;
}

int Unpack(lua_State* L) { return UnpackFull(L, 0, 0, false); }

int UnpackOne(lua_State* L) {
  size_t offset = size_t(luaL_optinteger(L, 2, 0));
  lua_settop(L, 1);
  return UnpackFull(L, 1, offset, true);
}

int UnpackLimit(lua_State* L) {
  int limit = int(luaL_checkinteger(L, 2));
  size_t offset = size_t(luaL_optinteger(L, 3, 0));
  lua_settop(L, 1);
  return UnpackFull(L, limit, offset, true);
}

}  // namespace

int LuaOpenCmsgpack(lua_State* L) {
  static const luaL_Reg kFunctions[] = {
      {"pack", Pack}, {"unpack", Unpack}, {"unpack_one", UnpackOne}, {"unpack_limit", UnpackLimit}, {nullptr, nullptr}};
  lua_newtable(L);
  luaL_register(L, nullptr, kFunctions);
  lua_pushstring(L, "cmsgpack");
  lua_setfield(L, -2, "_NAME");
  lua_pushstring(L, "lua-cmsgpack 0.4.0");
  lua_setfield(L, -2, "_VERSION");
  lua_pushstring(L, "Copyright (C) 2012, Salvatore Sanfilippo");
  lua_setfield(L, -2, "_COPYRIGHT");
  lua_pushstring(L, "MessagePack C implementation for Lua");
  lua_setfield(L, -2, "_DESCRIPTION");
  return 1;
}

}  // namespace vireo
