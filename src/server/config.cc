#include "server/config.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <set>
#include <sstream>
#include <vector>

#include "server/config_args.h"
#include "server/config_table.h"

namespace vireo {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c += 'a' - 'A';
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  const size_t b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(kSpace) - b + 1);
}

std::string FatalError(int line, std::string_view text, std::string_view why) {
  // %s in Redis's fprintf stops at a NUL; show the line the same way.
  text = text.substr(0, text.find('\0'));
  std::string s = "\n*** FATAL CONFIG FILE ERROR (Vireo ";
  s += kVireoRelease;
  s += ") ***\nReading the configuration file, at line ";
  s += std::to_string(line);
  s += "\n>>> '";
  s += text;
  s += "'\n";
  s += why;
  s += "\n";
  return s;
}

// CONFIG SET hands multi-word options one string; Redis splits it on single
// spaces (so "a  b" has an empty word in the middle).
std::vector<std::string> SplitOnSpaces(std::string_view v) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t sp = v.find(' ', start);
    out.emplace_back(v.substr(start, sp - start));
    if (sp == std::string_view::npos) break;
    start = sp + 1;
  }
  return out;
}

std::string SetFailed(std::string_view arg, std::string_view why) {
  return "ERR CONFIG SET failed (possibly related to argument '" + std::string(arg) + "') - " +
         std::string(why);
}

bool HasGlobChars(std::string_view s) { return s.find_first_of("*?[") != std::string_view::npos; }

}  // namespace

Config::Config() {
  char* cwd = getcwd(nullptr, 0);
  if (cwd != nullptr) {
    values_.dir = cwd;
    std::free(cwd);
  }
}

std::string Config::ApplyLine(std::vector<std::string>& argv, bool* refused) {
  *refused = false;
  const std::string& name = argv[0];
  if (const ConfigOption* opt = FindConfigOption(name)) {
    const bool multi = opt->flags & kConfigMultiArg;
    if (!multi && argv.size() != 2) return "wrong number of arguments";
    std::vector<std::string> args(argv.begin() + 1, argv.end());
    // `bind "a b"` in a file means `bind a b`, but `save ""` stays one word.
    if (multi && args.size() == 1 && !args[0].empty()) {
      args = SplitOnSpaces(args[0]);
    }
    if (opt->name == "save") {
      // The first `save` line replaces the defaults; later ones add points.
      const bool clear = args.size() == 1 && args[0].empty();
      if (save_line_seen_ && !clear) {
        std::vector<std::string> all;
        for (const auto& [secs, changes] : values_.save_params) {
          all.push_back(std::to_string(secs));
          all.push_back(std::to_string(changes));
        }
        all.insert(all.end(), args.begin(), args.end());
        args.swap(all);
      }
      save_line_seen_ = true;
    }
    std::string why = opt->set(args, &values_);
    if (why.empty() && opt->refuse) {
      why = opt->refuse(args, values_);
      *refused = !why.empty();
    }
    return why;
  }
  if (IsFileOnlyKeyword(name)) {
    *refused = true;
    return FileOnlyKeywordRefusal(name);
  }
  if (name.find('.') != std::string::npos) {
    // Redis reads dotted names as module options.
    if (argv.size() != 2) return "Module config specified without value";
    *refused = true;
    return "module option '" + name + "' is not supported by vireo-server (no modules)";
  }
  return "Bad directive or wrong number of arguments";
}

std::string Config::UserLineError(const UserLine& u, std::string_view why) {
  return FatalError(u.line, u.text, why);
}

std::string Config::RenameError(const CommandRename& r, std::string_view why) {
  return FatalError(r.line, r.text, why);
}

bool Config::LoadFromString(std::string_view text, std::string* error) {
  std::vector<std::string> argv;
  // Directives asking for what Vireo lacks: all are listed together at the
  // end, so one start shows everything a config file needs changed. Keyed
  // by option, because a later line for the same option replaces the value
  // (a command-line `--appendonly no` after the file's `appendonly yes`).
  struct Refusal {
    std::string option;  // canonical name; "" for keywords that cannot be overridden
    std::string text;
  };
  std::vector<Refusal> refusals;
  int linenum = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    const std::string_view line = Trim(text.substr(pos, eol - pos));
    pos = eol + 1;
    ++linenum;
    if (line.empty() || line[0] == '#') continue;
    if (!SplitConfigArgs(line, &argv)) {
      *error = FatalError(linenum, line, "Unbalanced quotes in configuration line");
      return false;
    }
    if (argv.empty()) continue;
    argv[0] = Lower(argv[0]);
    if (argv[0] == "rename-command" && argv.size() == 3) {
      renames_.push_back({argv[1], argv[2], linenum, std::string(line)});
      continue;
    }
    if (argv[0] == "user") {
      if (argv.size() < 2) {
        *error = FatalError(linenum, line, "Bad directive or wrong number of arguments");
        return false;
      }
      user_lines_.push_back({std::vector<std::string>(argv.begin() + 1, argv.end()), linenum, std::string(line)});
      continue;
    }
    bool refused = false;
    const std::string why = ApplyLine(argv, &refused);
    if (!why.empty() && !refused) {
      *error = FatalError(linenum, line, why);
      return false;
    }
    const ConfigOption* opt = FindConfigOption(argv[0]);
    const std::string option = opt != nullptr ? std::string(opt->name) : std::string();
    if (!option.empty()) {
      std::erase_if(refusals, [&](const Refusal& r) { return r.option == option; });
    }
    if (why.empty()) continue;
    std::string entry = ">>> line " + std::to_string(linenum) + ": '";
    entry += line.substr(0, line.find('\0'));
    entry += "'\n" + why + "\n";
    refusals.push_back({option, std::move(entry)});
  }
  if (!refusals.empty()) {
    const size_t n = refusals.size();
    *error = "\n*** FATAL CONFIG FILE ERROR (Vireo " + std::string(kVireoRelease) +
             ") ***\nReading the configuration file: " + std::to_string(n) +
             (n == 1 ? " directive asks" : " directives ask") +
             " for what vireo-server does not support yet\n";
    for (const Refusal& r : refusals) *error += r.text;
    return false;
  }
  return true;
}

bool Config::LoadFromArgs(int argc, char** argv, std::string* error) {
  std::string text;
  int j = 1;
  if (argc >= 2 && argv[1][0] != '-') {
    // Redis reports and remembers the file by its absolute path.
    std::string path = argv[1];
    if (path[0] != '/') {
      char* cwd = getcwd(nullptr, 0);
      if (cwd != nullptr) path = std::string(cwd) + "/" + path;
      std::free(cwd);
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      *error = "Fatal error, can't open config file '" + path + "': " + std::strerror(errno);
      return false;
    }
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    config_file_ = path;
    j = 2;
  }
  std::vector<std::string> options;
  bool from_stdin = false;
  for (; j < argc; ++j) {
    // "-" as the first or last argument means "also read config from stdin".
    if (std::strcmp(argv[j], "-") == 0 && (j == 1 || j == argc - 1)) {
      from_stdin = true;
      continue;
    }
    options.emplace_back(argv[j]);
  }
  if (from_stdin) {
    std::ostringstream ss;
    ss << std::cin.rdbuf();
    text += ss.str();
  }
  // Command-line options always start on a fresh line after the file, so
  // their line numbers continue the file's (an empty file puts them at 2).
  text += "\n";
  text += CommandLineToConfigText(options);
  return LoadFromString(text, error);
}

std::vector<std::pair<std::string, std::string>> Config::Get(
    const std::vector<std::string_view>& patterns) const {
  std::vector<std::pair<std::string, std::string>> out;
  std::set<std::string> seen;  // lowercase names already returned
  auto add = [&](std::string_view shown, const ConfigOption& opt) {
    if (seen.insert(Lower(shown)).second) {
      out.emplace_back(std::string(shown), opt.get(values_));
    }
  };
  for (std::string_view pat : patterns) {
    if (!HasGlobChars(pat)) {
      // Exact names are echoed as the client wrote them, like Redis.
      if (const ConfigOption* opt = FindConfigOption(pat)) add(pat, *opt);
      continue;
    }
    for (const ConfigOption& opt : ConfigOptions()) {
      if (opt.flags & kConfigHidden) continue;  // test knobs: exact names only, as Redis
      if (GlobMatch(pat, opt.name, true)) add(opt.name, opt);
      if (!opt.alias.empty() && GlobMatch(pat, opt.alias, true)) {
        add(opt.alias, opt);
      }
    }
  }
  return out;
}

std::string Config::Set(const std::vector<std::pair<std::string_view, std::string_view>>& pairs) {
  if (pairs.empty()) {
    return "ERR wrong number of arguments for 'config|set' command";
  }
  // Pass 1: names, in order; the first bad one is reported.
  std::vector<const ConfigOption*> opts;
  std::set<std::string> names;
  for (const auto& [name, value] : pairs) {
    const ConfigOption* opt = FindConfigOption(name);
    if (opt == nullptr) {
      return "ERR Unknown option or number of arguments for CONFIG SET - '" + std::string(name) +
             "'";
    }
    if (opt->flags & kConfigImmutable) {
      return SetFailed(name, "can't set immutable config");
    }
    if (opt->flags & kConfigProtected) {
      return SetFailed(name, "can't set protected config");
    }
    // As in Redis, an alias and its new name are not duplicates of each
    // other; the later one wins.
    if (!names.insert(Lower(name)).second) {
      return SetFailed(name, "duplicate parameter");
    }
    opts.push_back(opt);
  }

  // Pass 2: parse every value into the live struct, undoing all on failure.
  const ServerConfig backup = values_;
  for (size_t i = 0; i < pairs.size(); ++i) {
    const ConfigOption* opt = opts[i];
    std::vector<std::string> args;
    if ((opt->flags & kConfigMultiArg) && !pairs[i].second.empty()) {
      args = SplitOnSpaces(pairs[i].second);
    } else {
      args.emplace_back(pairs[i].second);
    }
    std::string why = opt->set(args, &values_);
    if (why.empty() && opt->refuse) why = opt->refuse(args, values_);
    if (!why.empty()) {
      values_ = backup;
      return SetFailed(pairs[i].first, why);
    }
  }

  // Pass 3: let the node apply what changed; one failure undoes everything.
  std::vector<std::pair<const ConfigOption*, std::string_view>> changed;
  for (size_t i = 0; i < pairs.size(); ++i) {
    const ConfigOption* opt = opts[i];
    bool listed = false;
    for (const auto& c : changed) listed |= c.first == opt;
    if (!listed && opt->get(backup) != opt->get(values_)) {
      changed.emplace_back(opt, pairs[i].first);
    }
  }
  if (apply_hook_) {
    for (size_t i = 0; i < changed.size(); ++i) {
      const std::string why = apply_hook_(changed[i].first->name);
      if (why.empty()) continue;
      values_ = backup;
      // Put back what was already applied; the old values worked before.
      for (size_t k = 0; k <= i; ++k) apply_hook_(changed[k].first->name);
      return SetFailed(changed[i].second, why);
    }
  }
  if (on_change_) {
    for (const auto& c : changed) on_change_(c.first->name);
  }
  return "";
}

}  // namespace vireo
