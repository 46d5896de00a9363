#pragma once
// The HTML page's script and style (viz/src/viz_page.js, viz_page.css), as compiled in.
namespace faultline::viz::detail {
extern const char* const kPageScript;
extern const char* const kPageStyle;
}  // namespace faultline::viz::detail
