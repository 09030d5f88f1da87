# ASan + UBSan for developer and CI builds (-DCAREGUARD_SANITIZERS=ON). Applied globally so the
# library, the apps and the tests agree on the runtime.
if(CAREGUARD_SANITIZERS)
  if(MSVC)
    add_compile_options(/fsanitize=address)
  else()
    add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
    add_link_options(-fsanitize=address,undefined)
  endif()
endif()
