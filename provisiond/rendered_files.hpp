#pragma once
// The per-phone files rendered from templates (common/phone_template.hpp), in the shape the file store
// serves from memory. A rendered name takes the place of a file of the same name in the root, and is found
// whatever the case of the request ("0004F2AABBCC.cfg" or "0004f2aabbcc.cfg": phones differ).
#include <cstdint>
#include <memory>

#include "common/phone_template.hpp"
#include "provisiond/store.hpp"

namespace pb::prov {

// A file whose bytes did not change since `previous` keeps its Last-Modified and ETag, so a reload does not
// send every phone a new download; a new or changed one is dated `now_s`.
std::shared_ptr<const RenderedFiles> make_rendered_files(const phone_template::Rendered& rendered,
                                                         const RenderedFiles* previous, std::int64_t now_s);

}  // namespace pb::prov
