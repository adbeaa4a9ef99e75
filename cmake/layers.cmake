# The layers of the library, each a CMake target that sees only its own headers and those of
# the layers below it:
#
#   txlog     the log: segments, framing, records, group commit, retention   (no LMDB)
#   engine    the graph store on LMDB, the commit path, recovery, bulk import   (uses txlog)
#   cdc       reads the log: change ids, events, selectors, query, wait, groups (uses txlog)
#   connect   applies changes to another database: the replicator            (uses cdc, txlog)
#
# A header is included by its layer's folder name ("txlog/segment_reader.h"). Each layer gets
# an include root of its own in the build tree, holding one link, named after the layer, to
# its source folder; a target's include path names only the roots of the layers it may use,
# so an include that points the wrong way is a compile error ("No such file"), not a habit.
# The public API (include/txgraph/) is seen by every layer. The installed library,
# txgraph::txgraph, is all the layers' objects in one archive.

set(TXGRAPH_LAYER_ROOTS ${CMAKE_BINARY_DIR}/layers)

# txgraph_layer(NAME SOURCES file... [USES layer...] [LINK target...])
function(txgraph_layer name)
  cmake_parse_arguments(arg "" "" "SOURCES;USES;LINK" ${ARGN})
  set(root ${TXGRAPH_LAYER_ROOTS}/${name})
  file(MAKE_DIRECTORY ${root})
  file(CREATE_LINK ${PROJECT_SOURCE_DIR}/${name} ${root}/${name} SYMBOLIC)
  add_library(txgraph_${name} OBJECT ${arg_SOURCES})
  target_include_directories(txgraph_${name} PUBLIC
    ${PROJECT_SOURCE_DIR}/include
    ${root})
  foreach(lower ${arg_USES})
    # Usage requirements only: an object library links no objects of another.
    target_link_libraries(txgraph_${name} PUBLIC txgraph_${lower})
  endforeach()
  target_link_libraries(txgraph_${name} PRIVATE ${arg_LINK})
  set_target_properties(txgraph_${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
endfunction()

# The include probes: a one-line source that includes HEADER, compiled with the include path
# of layer FROM. txgraph_include_probe(NAME FROM HEADER) defines the target
# layer_probe_NAME, which is not part of `all`; the tests build it (see tests/CMakeLists.txt).
function(txgraph_include_probe name from header)
  if(NOT EXISTS ${PROJECT_SOURCE_DIR}/${header})
    message(FATAL_ERROR "include probe ${name}: ${header} does not exist")
  endif()
  set(source ${CMAKE_BINARY_DIR}/layer_probes/${name}.cc)
  file(CONFIGURE OUTPUT ${source}
    CONTENT "#include \"${header}\"\nint layer_probe_${name}() { return 0; }\n")
  add_library(layer_probe_${name} OBJECT EXCLUDE_FROM_ALL ${source})
  target_link_libraries(layer_probe_${name} PRIVATE txgraph_${from})
endfunction()
