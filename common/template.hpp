#pragma once
// Phone configuration templates: a strict subset of Mustache (https://mustache.github.io/mustache.5.html).
//
//   {{name}}                 the value, escaped for the output's format (Escape::xml: & < > " ')
//   {{{name}}}  {{& name}}   the value as it is
//   {{#name}}...{{/name}}    a list: once per item, with the item's fields in scope; an object: once, with its
//                            fields in scope; a text: once when it is not empty
//   {{^name}}...{{/name}}    once when the name is an empty text or an empty list
//   {{! comment }}
//   {{site.domain}}          dotted names: the first part is looked up through the scopes (innermost first),
//                            the rest inside it
// Section, inverted, closing and comment tags alone on their line ("standalone", as the Mustache spec says)
// take the whole line with them, so a template's layout is the output's. Whitespace inside a tag is ignored.
// No partials, no delimiter changes, no lambdas.
//
// Unlike Mustache, a name the data cannot have is an error when the template is compiled, with the tag's line
// and column, not an empty string at render time: a misspelt {{pasword}} would otherwise give a phone an empty
// SIP password and nobody an error. Compile never throws and accepts any bytes; render never throws.
#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace pb::tmpl {

struct Object;

struct Value {
  enum class Kind { text, list, object };
  Kind kind = Kind::text;
  std::string text;           // Kind::text
  std::vector<Object> items;  // Kind::list: the items; Kind::object: exactly one, the object
};

struct Object {
  std::map<std::string, Value, std::less<>> fields;

  // Builders, so data reads like what it is: obj.set("name", "vm40ic1").
  Object& set(std::string name, std::string text);
  Object& set_list(std::string name, std::vector<Object> items);
  Object& set_object(std::string name, Object object);
};

enum class Escape { none, xml };

// XML escaping for a template whose first character (after a UTF-8 BOM and white space) is '<' (Polycom's
// .cfg files, Cisco's .cnf.xml), none for the rest (Yealink's "key = value", plain text).
Escape detect_escape(std::string_view text) noexcept;

struct Error {
  std::size_t line = 0;    // 1-based
  std::size_t column = 0;  // 1-based, in bytes
  std::string message;     // "unknown name 'pasword'", "'{{#lines}}' opened at 2:5 is not closed", ...
};

struct Limits {
  std::size_t max_depth = 32;                // nested sections
  std::size_t max_output = 4 * 1024 * 1024;  // render stops with an error past this many bytes
};

class Template {
 public:
  // Parses `text` and checks every name against `schema`, an Object with the data's shape (a list holds
  // one item that stands for all of its items; texts may be empty).
  static Result<Template, Error> compile(std::string_view text, const Object& schema, Limits limits = {});

  // Fills the template. The only errors are limits: output past limits.max_output, or more steps than the output
  // could need (a list section nested in itself, with or without text inside).
  Result<std::string, std::string> render(const Object& data, Escape escape) const;

  struct Node;  // defined in template.cpp

  Template(Template&&) noexcept;
  Template& operator=(Template&&) noexcept;
  ~Template();

 private:
  Template();
  std::vector<Node> nodes_;
  Limits limits_;
};

}  // namespace pb::tmpl
