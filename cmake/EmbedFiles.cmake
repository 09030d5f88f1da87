# careguard_embed_files(OUTPUT <cpp> NAMESPACE <ns> FILES <f>...) generates a C++ source holding each
# file's bytes, so the base pack is compiled into the binaries and `careguard scan` needs no files.
function(careguard_embed_files)
  cmake_parse_arguments(ARG "" "OUTPUT;BASE_DIR" "FILES" ${ARGN})
  add_custom_command(
    OUTPUT "${ARG_OUTPUT}"
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${ARG_OUTPUT} -DBASE_DIR=${ARG_BASE_DIR}
            "-DFILES=${ARG_FILES}" -P "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/EmbedFilesScript.cmake"
    DEPENDS ${ARG_FILES} "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/EmbedFilesScript.cmake"
    COMMENT "Embedding the base pack"
    VERBATIM)
endfunction()
