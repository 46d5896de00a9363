// Owner of a precompiled header that every faultline target of its kind reuses
// (cmake/faultline.cmake, faultline_precompile_headers). It has no code of its own.
