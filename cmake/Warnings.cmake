# Project-wide warnings; third-party headers come in as SYSTEM includes so they stay quiet.
add_library(edgelens_warnings INTERFACE)
target_compile_options(edgelens_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align -Wunused -Woverloaded-virtual
  -Wimplicit-fallthrough)
option(EDGELENS_WERROR "Treat warnings as errors" OFF)
if(EDGELENS_WERROR)
  target_compile_options(edgelens_warnings INTERFACE -Werror)
endif()

# edgelens_glob_sources(VAR DIR): the .cpp files of one source folder. Each folder owns its files,
# so adding a file never means editing a shared list.
function(edgelens_glob_sources out dir)
  file(GLOB_RECURSE files CONFIGURE_DEPENDS ${dir}/*.cpp)
  set(${out} ${files} PARENT_SCOPE)
endfunction()
