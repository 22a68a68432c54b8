// The template engine of template.hpp in two passes: compile() turns the text into a flat list of nodes with
// every name resolved against the schema; render() walks that list with an explicit stack of open sections.
// Neither pass recurses, so neither the template nor Limits::max_depth can exhaust the machine stack.
#include "common/template.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <tuple>
#include <utility>

namespace pb::tmpl {

// A section is one node whose `end` points past its body; the closing tag leaves no node. A name is resolved
// once, at compile time, to the scope holding its first part; render() looks only there (see lookup()).
struct Template::Node {
  enum class Kind { text, escaped, raw, section, inverted };
  Kind kind = Kind::text;
  std::string text;                            // Kind::text: the bytes to copy
  std::vector<std::string> path;               // the name split at its dots
  std::size_t scope = 0;                       // index in the scope stack (0 = the data) holding path[0]
  Value::Kind value_kind = Value::Kind::text;  // the schema's kind; data of another kind counts as missing
  std::size_t end = 0;                         // section, inverted: the first node after the section
};

Template::Template() = default;
Template::Template(Template&&) noexcept = default;
Template& Template::operator=(Template&&) noexcept = default;
Template::~Template() = default;

Object& Object::set(std::string name, std::string text) {
  Value v;
  v.kind = Value::Kind::text;
  v.text = std::move(text);
  fields.insert_or_assign(std::move(name), std::move(v));
  return *this;
}

Object& Object::set_list(std::string name, std::vector<Object> items) {
  Value v;
  v.kind = Value::Kind::list;
  v.items = std::move(items);
  fields.insert_or_assign(std::move(name), std::move(v));
  return *this;
}

Object& Object::set_object(std::string name, Object object) {
  Value v;
  v.kind = Value::Kind::object;
  v.items.push_back(std::move(object));
  fields.insert_or_assign(std::move(name), std::move(v));
  return *this;
}

Escape detect_escape(std::string_view text) noexcept {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  const auto first = text.find_first_not_of(" \t\r\n\v\f");
  return first != std::string_view::npos && text[first] == '<' ? Escape::xml : Escape::none;
}

namespace {

using Kind = Template::Node::Kind;

constexpr std::string_view kInlineSpace = " \t";       // what may surround a standalone tag on its line
constexpr std::string_view kTagSpace = " \t\r\n\v\f";  // what a tag's inside may be padded with
constexpr std::size_t kMaxQuoted = 40;                 // bytes of a name shown in a message

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(kTagSpace);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(kTagSpace) - first + 1);
}

// Names come from untrusted bytes and end up in logs: show printable ASCII as it is, the rest as \xNN, and
// cut long ones short.
std::string quoted(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "'";
  for (std::size_t i = 0; i < s.size() && i < kMaxQuoted; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  if (s.size() > kMaxQuoted) out += "...";
  return out + "'";
}

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

std::vector<std::string> split_dots(std::string_view name) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const auto dot = name.find('.', start);
    parts.emplace_back(name.substr(start, dot - start));
    if (dot == std::string_view::npos) return parts;
    start = dot + 1;
  }
}

const char* kind_name(Value::Kind kind) {
  switch (kind) {
    case Value::Kind::text: return "a text";
    case Value::Kind::list: return "a list";
    case Value::Kind::object: return "an object";
  }
  return "a value";
}

// Line and column of byte offsets that only grow, so the whole template is counted once.
class LineCounter {
 public:
  explicit LineCounter(std::string_view text) : text_(text) {}

  std::pair<std::size_t, std::size_t> at(std::size_t offset) {
    for (; pos_ < offset; ++pos_) {
      if (text_[pos_] == '\n') {
        ++line_;
        line_start_ = pos_ + 1;
      }
    }
    return {line_, offset - line_start_ + 1};
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
  std::size_t line_start_ = 0;
};

// One tag as written: `begin` is its "{{", `end` is just past its closing braces.
struct Tag {
  char sigil = 0;  // '#', '^', '/', '!', '&', '{' (triple), '=', '>', or 0 for a plain value
  std::string_view name;
  std::size_t begin = 0;
  std::size_t end = 0;
  std::size_t line = 0;
  std::size_t column = 0;
};

// The tag as a message shows it: "'{{#lines}}'", whitespace inside dropped.
std::string shown(const Tag& tag) {
  const std::string name(tag.name.substr(0, kMaxQuoted));
  if (tag.sigil == '{') return "'{{{" + name + "}}}'";
  return "'{{" + std::string(tag.sigil != 0 ? 1 : 0, tag.sigil) + name + "}}'";
}

class Compiler {
 public:
  Compiler(std::string_view text, const Object& schema, Limits limits) : text_(text), lines_(text), limits_(limits) {
    scopes_.push_back(&schema);
  }

  // Builds the nodes (take_nodes()); returns the first error in the template's order, if any.
  std::optional<Error> run() {
    std::size_t pos = 0;  // next byte of text not yet turned into nodes
    while (!error_) {
      const auto open = text_.find("{{", pos);
      if (open == std::string_view::npos) break;
      auto tag = read_tag(open);
      if (!tag) break;
      std::size_t text_end = open;
      std::size_t next = tag->end;
      if (is_standalone_kind(tag->sigil)) standalone(*tag, text_end, next);
      add_text(text_.substr(pos, text_end - pos));
      handle(*tag);
      pos = next;
    }
    if (error_) return error_;
    add_text(text_.substr(pos));
    if (!open_.empty()) {
      const auto& tag = open_.back().tag;
      return Error{
          tag.line, tag.column,
          shown(tag) + " opened at " + std::to_string(tag.line) + ":" + std::to_string(tag.column) + " is not closed"};
    }
    return std::nullopt;
  }

  std::vector<Template::Node> take_nodes() { return std::move(nodes_); }

 private:
  struct Open {
    Tag tag;
    std::size_t node;  // index of the section's node, whose `end` the closing tag fills in
    bool pushed;       // whether the section put a schema scope on scopes_
  };

  void fail(const Tag& tag, std::string message) {
    if (!error_) error_ = Error{tag.line, tag.column, std::move(message)};
  }

  // Splits the tag starting at `open` into sigil and name; nullopt (with error_ set) when it has no proper end.
  std::optional<Tag> read_tag(std::size_t open) {
    Tag tag;
    tag.begin = open;
    std::tie(tag.line, tag.column) = lines_.at(open);
    const auto close = text_.find("}}", open + 2);
    if (close == std::string_view::npos) {
      fail(tag, "'{{' is not closed");
      return std::nullopt;
    }
    tag.end = close + 2;
    auto inside = text_.substr(open + 2, close - open - 2);
    if (!inside.empty() && inside.front() == '{') {
      // "{{{name}}}": the first "}}" must be followed by the third brace.
      if (tag.end >= text_.size() || text_[tag.end] != '}') {
        fail(tag, "'{{{' is closed by '}}': write '}}}'");
        return std::nullopt;
      }
      ++tag.end;
      tag.sigil = '{';
      tag.name = trim(inside.substr(1));
      return tag;
    }
    inside = trim(inside);
    if (!inside.empty() && std::string_view("#^/!&=>").find(inside.front()) != std::string_view::npos) {
      tag.sigil = inside.front();
      inside.remove_prefix(1);
    }
    tag.name = trim(inside);
    return tag;
  }

  static bool is_standalone_kind(char sigil) { return sigil == '#' || sigil == '^' || sigil == '/' || sigil == '!'; }

  // The Mustache spec's standalone rule: a section, inverted, closing or comment tag with nothing but spaces
  // and tabs around it on its line takes the line with it, so that the template's layout is the output's.
  // Narrows the text before the tag to end at the line's start and moves `next` past the line ending.
  void standalone(const Tag& tag, std::size_t& text_end, std::size_t& next) const {
    std::size_t line_start = tag.begin;
    while (line_start > 0 && kInlineSpace.find(text_[line_start - 1]) != std::string_view::npos) --line_start;
    if (line_start > 0 && text_[line_start - 1] != '\n') return;

    std::size_t after = tag.end;
    while (after < text_.size() && kInlineSpace.find(text_[after]) != std::string_view::npos) ++after;
    if (after < text_.size()) {
      if (text_[after] == '\n') {
        ++after;
      } else if (text_.substr(after, 2) == "\r\n") {
        after += 2;
      } else {
        return;
      }
    }
    text_end = line_start;
    next = after;
  }

  void handle(const Tag& tag) {
    switch (tag.sigil) {
      case '!': return;
      case '=': return fail(tag, "delimiter changes ('{{=...=}}') are not supported");
      case '>': return fail(tag, "partials are not supported");
      default: break;
    }
    if (!check_name(tag)) return;
    switch (tag.sigil) {
      case '#':
      case '^': return open_section(tag);
      case '/': return close_section(tag);
      default: return add_value(tag);
    }
  }

  bool check_name(const Tag& tag) {
    if (tag.name.empty()) {
      fail(tag, "empty name in " + shown(tag));
      return false;
    }
    if (tag.name == ".") {
      fail(tag, "'{{.}}' is not supported: name the field");
      return false;
    }
    if (!std::all_of(tag.name.begin(), tag.name.end(), is_name_char)) {
      fail(tag, "bad name " + quoted(tag.name) + " (names are letters, digits, '_', '-' and '.')");
      return false;
    }
    if (tag.name.front() == '.' || tag.name.back() == '.' || tag.name.find("..") != std::string_view::npos) {
      fail(tag, "bad name " + quoted(tag.name) + " (a dot must join two names)");
      return false;
    }
    return true;
  }

  // Finds the name in the schema: its first part in the innermost scope that has it, the rest inside that.
  // Fills node.path, node.scope and node.value_kind; returns the value, or nullptr after fail().
  const Value* resolve(const Tag& tag, Template::Node& node) {
    node.path = split_dots(tag.name);
    const Value* value = nullptr;
    for (std::size_t i = scopes_.size(); i-- > 0 && value == nullptr;) {
      const auto it = scopes_[i]->fields.find(node.path[0]);
      if (it != scopes_[i]->fields.end()) {
        value = &it->second;
        node.scope = i;
      }
    }
    if (value == nullptr) {
      fail(tag, "unknown name " + quoted(tag.name));
      return nullptr;
    }
    std::string walked = node.path[0];
    for (std::size_t i = 1; i < node.path.size(); ++i) {
      if (value->kind != Value::Kind::object || value->items.empty()) {
        fail(tag, "unknown name " + quoted(tag.name) + ": " + quoted(walked) + " is " + kind_name(value->kind));
        return nullptr;
      }
      const auto& fields = value->items.front().fields;
      const auto it = fields.find(node.path[i]);
      if (it == fields.end()) {
        fail(tag, "unknown name " + quoted(tag.name) + ": " + quoted(walked) + " has no " + quoted(node.path[i]));
        return nullptr;
      }
      value = &it->second;
      walked += "." + node.path[i];
    }
    node.value_kind = value->kind;
    return value;
  }

  void add_value(const Tag& tag) {
    Template::Node node;
    node.kind = tag.sigil == 0 ? Kind::escaped : Kind::raw;
    const Value* value = resolve(tag, node);
    if (value == nullptr) return;
    const std::string name(tag.name);
    if (value->kind == Value::Kind::list) {
      return fail(tag, quoted(name) + " is a list: use {{#" + name + "}}...{{/" + name + "}}");
    }
    if (value->kind == Value::Kind::object) {
      return fail(tag,
                  quoted(name) + " is an object: use {{#" + name + "}}...{{/" + name + "}} or {{" + name + ".field}}");
    }
    nodes_.push_back(std::move(node));
    text_mergeable_ = false;
  }

  void open_section(const Tag& tag) {
    if (open_.size() >= limits_.max_depth) {
      return fail(tag, "sections are nested deeper than " + std::to_string(limits_.max_depth));
    }
    Template::Node node;
    node.kind = tag.sigil == '#' ? Kind::section : Kind::inverted;
    const Value* value = resolve(tag, node);
    if (value == nullptr) return;
    if (node.kind == Kind::inverted && value->kind == Value::Kind::object) {
      // An object is never empty: the section would never render, which is a mistake, not a template.
      return fail(tag, quoted(tag.name) + " is an object, never empty: " + shown(tag) + " would never render");
    }
    // A list's one schema item stands for all of its items; an object's fields come into scope. A list whose
    // schema has no item brings nothing into scope.
    bool pushed = false;
    if (node.kind == Kind::section && value->kind != Value::Kind::text) {
      scopes_.push_back(value->items.empty() ? &empty_ : &value->items.front());
      pushed = true;
    }
    open_.push_back(Open{tag, nodes_.size(), pushed});
    nodes_.push_back(std::move(node));
    text_mergeable_ = false;
  }

  void close_section(const Tag& tag) {
    if (open_.empty()) return fail(tag, shown(tag) + " closes nothing: no section is open");
    const auto& open = open_.back();
    if (open.tag.name != tag.name) {
      return fail(tag, shown(tag) + " closes " + shown(open.tag) + " opened at " + std::to_string(open.tag.line) + ":" +
                           std::to_string(open.tag.column));
    }
    nodes_[open.node].end = nodes_.size();
    if (open.pushed) scopes_.pop_back();
    open_.pop_back();
    text_mergeable_ = false;  // the next text is outside the section
  }

  void add_text(std::string_view text) {
    if (text.empty()) return;
    if (text_mergeable_) {
      nodes_.back().text += text;  // text around a comment is one node
      return;
    }
    Template::Node node;
    node.text = std::string(text);
    nodes_.push_back(std::move(node));
    text_mergeable_ = true;
  }

  std::string_view text_;
  LineCounter lines_;
  Limits limits_;
  Object empty_;
  std::vector<const Object*> scopes_;  // schema objects whose fields are in scope, innermost last
  std::vector<Open> open_;             // sections not yet closed, innermost last
  std::vector<Template::Node> nodes_;
  bool text_mergeable_ = false;  // whether nodes_.back() is text that the next text may join
  std::optional<Error> error_;
};

void append_xml(std::string& out, std::string_view s) {
  std::size_t done = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char* entity = nullptr;
    switch (s[i]) {
      case '&': entity = "&amp;"; break;
      case '<': entity = "&lt;"; break;
      case '>': entity = "&gt;"; break;
      case '"': entity = "&quot;"; break;
      case '\'': entity = "&apos;"; break;
      default: continue;
    }
    out.append(s, done, i - done);
    out += entity;
    done = i + 1;
  }
  out.append(s, done);
}

std::size_t xml_size(std::string_view s) {
  std::size_t size = s.size();
  for (const char c : s) {
    switch (c) {
      case '&': size += 4; break;
      case '<':
      case '>': size += 3; break;
      case '"':
      case '\'': size += 5; break;
      default: break;
    }
  }
  return size;
}

class Renderer {
 public:
  Renderer(const std::vector<Template::Node>& nodes, const Object& data, Escape escape, const Limits& limits)
      : nodes_(nodes),
        escape_(escape),
        max_output_(limits.max_output),
        max_steps_(step_limit(limits.max_output, nodes.size())) {
    scopes_.push_back(&data);
  }

  Result<std::string, std::string> run() {
    std::size_t i = 0;
    while (error_.empty()) {
      if (!count_step()) break;
      if (i == section_end()) {
        if (frames_.empty()) return std::move(out_);
        i = next_iteration();
        continue;
      }
      i = visit(i);
    }
    return Err(std::move(error_));
  }

 private:
  struct Frame {
    std::size_t body;                  // first node of the section's body
    std::size_t end;                   // first node after the section
    const std::vector<Object>* items;  // the list being walked, or nullptr for a section that runs once
    std::size_t item = 0;              // index in *items of the item in scope
    bool pushed = false;               // whether the section put an object on scopes_
  };

  // A section that loops without writing (an empty list body nested in itself) is the same runaway as one
  // that writes, so the work is bounded too: one step per byte the output may hold, plus a visit of every
  // node and some slack for small limits. Saturates, so SIZE_MAX means no bound.
  static std::size_t step_limit(std::size_t max_output, std::size_t nodes) {
    const std::size_t extra = nodes + (std::size_t{1} << 16);
    return max_output > SIZE_MAX - extra ? SIZE_MAX : max_output + extra;
  }

  std::size_t section_end() const { return frames_.empty() ? nodes_.size() : frames_.back().end; }

  bool count_step() {
    if (++steps_ <= max_steps_) return true;
    error_ = "rendering took more than " + std::to_string(max_steps_) + " steps (a list section nested in itself?)";
    return false;
  }

  // At the end of a section's body: the next list item's body, or the node after the section.
  std::size_t next_iteration() {
    auto& frame = frames_.back();
    if (frame.items != nullptr && ++frame.item < frame.items->size()) {
      scopes_.back() = &(*frame.items)[frame.item];
      return frame.body;
    }
    if (frame.pushed) scopes_.pop_back();
    const auto end = frame.end;
    frames_.pop_back();
    return end;
  }

  // Does node i and returns the next node to visit.
  std::size_t visit(std::size_t i) {
    const auto& node = nodes_[i];
    switch (node.kind) {
      case Kind::text: append(node.text, false); return i + 1;
      case Kind::escaped:
      case Kind::raw:
        if (const Value* v = lookup(node)) append(v->text, node.kind == Kind::escaped && escape_ == Escape::xml);
        return i + 1;
      case Kind::section: return enter(i, lookup(node));
      case Kind::inverted: {
        const Value* v = lookup(node);
        const bool empty = v == nullptr || (v->kind == Value::Kind::text ? v->text.empty() : v->items.empty());
        if (!empty) return node.end;
        push(Frame{i + 1, node.end, nullptr}, nullptr);
        return i + 1;
      }
    }
    return i + 1;
  }

  std::size_t enter(std::size_t i, const Value* v) {
    const auto& node = nodes_[i];
    if (v == nullptr) return node.end;
    switch (v->kind) {
      case Value::Kind::text:
        if (v->text.empty()) return node.end;
        push(Frame{i + 1, node.end, nullptr}, nullptr);
        return i + 1;
      case Value::Kind::list:
        if (v->items.empty()) return node.end;
        push(Frame{i + 1, node.end, &v->items}, &v->items.front());
        return i + 1;
      case Value::Kind::object:
        if (v->items.empty()) return node.end;
        push(Frame{i + 1, node.end, nullptr}, &v->items.front());
        return i + 1;
    }
    return node.end;
  }

  // Opens a section; `scope` is the object (or first list item) whose fields come into scope, if any.
  void push(Frame frame, const Object* scope) {
    frame.pushed = scope != nullptr;
    frames_.push_back(frame);
    if (scope != nullptr) scopes_.push_back(scope);
  }

  // The name where compile() found it, and nowhere else: a data item that lacks a field the schema gives it
  // reads as missing rather than picking up an outer scope's field of the same name (another phone's
  // password). Missing, or of another kind than the schema said, is nullptr.
  const Value* lookup(const Template::Node& node) const {
    if (node.scope >= scopes_.size()) return nullptr;
    const Object* object = scopes_[node.scope];
    const Value* value = nullptr;
    for (const auto& part : node.path) {
      if (value != nullptr) {
        if (value->kind != Value::Kind::object || value->items.empty()) return nullptr;
        object = &value->items.front();
      }
      const auto it = object->fields.find(part);
      if (it == object->fields.end()) return nullptr;
      value = &it->second;
    }
    return value != nullptr && value->kind == node.value_kind ? value : nullptr;
  }

  // Checks the size before copying, so an oversized value costs nothing.
  void append(std::string_view s, bool xml) {
    const std::size_t size = xml ? xml_size(s) : s.size();
    if (size > max_output_ - out_.size()) {
      error_ = "output is larger than " + std::to_string(max_output_) + " bytes (a list section nested in itself?)";
      return;
    }
    if (xml) {
      append_xml(out_, s);
    } else {
      out_.append(s);
    }
  }

  const std::vector<Template::Node>& nodes_;
  Escape escape_;
  std::size_t max_output_;
  std::size_t max_steps_;
  std::size_t steps_ = 0;
  std::vector<const Object*> scopes_;  // data objects in scope, innermost last; [node.scope] as compiled
  std::vector<Frame> frames_;          // sections being rendered, innermost last
  std::string out_;
  std::string error_;
};

}  // namespace

Result<Template, Error> Template::compile(std::string_view text, const Object& schema, Limits limits) {
  Compiler compiler(text, schema, limits);
  if (auto error = compiler.run()) return Err(std::move(*error));
  Template t;
  t.nodes_ = compiler.take_nodes();
  t.limits_ = limits;
  return t;
}

Result<std::string, std::string> Template::render(const Object& data, Escape escape) const {
  return Renderer(nodes_, data, escape, limits_).run();
}

}  // namespace pb::tmpl
