# Packaging: the Debian package `careguard`, built with CPack.
#
#   cmake -S . -B build-pkg -G Ninja -DCMAKE_BUILD_TYPE=Release -DCAREGUARD_BUILD_TESTS=OFF
#   cmake --build build-pkg --target package        # or: (cd build-pkg && cpack -G DEB)
#
# gives build-pkg/careguard_<version>_<arch>.deb with
#   /usr/bin/careguard-host, /usr/bin/careguard              (host/apps/CMakeLists.txt)
#   /usr/share/careguard/packs/base/                          the base pack's source (for reading:
#                                                             the base pack is compiled into both programs)
#   /usr/share/careguard/policies/                            the policy and host-manifest templates of manifests/
#   /usr/share/doc/careguard/                                 DEPLOY.md and the other docs
# and the maintainer scripts of installer/debian: postinst runs
# `careguard install --system --browser all`, prerm and postrm remove those manifests again.
# tests/deploy/deb-package-test.sh builds, installs and removes it in a throwaway root.

include(GNUInstallDirs)

# The base pack's source, as shipped inside the programs.
install(DIRECTORY "${PROJECT_SOURCE_DIR}/patterns/base/"
  DESTINATION "${CMAKE_INSTALL_DATADIR}/careguard/packs/base"
  FILES_MATCHING PATTERN "*.json")

# Policy templates (manifests/generate.sh's output, not the script: it regenerates the repository).
install(DIRECTORY "${PROJECT_SOURCE_DIR}/manifests/"
  DESTINATION "${CMAKE_INSTALL_DATADIR}/careguard/policies"
  PATTERN "generate.sh" EXCLUDE)

install(FILES
  "${PROJECT_SOURCE_DIR}/docs/DEPLOY.md"
  "${PROJECT_SOURCE_DIR}/docs/EXTENSION.md"
  "${PROJECT_SOURCE_DIR}/docs/PACKS.md"
  "${PROJECT_SOURCE_DIR}/docs/PROTOCOL.md"
  "${PROJECT_SOURCE_DIR}/docs/RULES.md"
  DESTINATION "${CMAKE_INSTALL_DOCDIR}")

set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "careguard")
set(CPACK_PACKAGE_VENDOR "CareGuard")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "social media policy checks for home-care staff (native host and CLI)")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
  "CareGuard checks posts against the care provider's social media policy\n"
  "before they are published. This package holds the native messaging host\n"
  "the CareGuard browser extension talks to, the careguard command-line tool,\n"
  "the base rule pack and the policy templates IT uses to deploy the extension.\n"
  "Installing it registers the host with every browser machine-wide;\n"
  "careguard doctor checks the set-up.")
set(CPACK_PACKAGE_CONTACT "CareGuard IT support <it@careguard.app>")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_PACKAGE_NAME "careguard")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)   # careguard_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION "web")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://careguard.app")
# Depends from the programs' shared libraries (libhs, libsodium, ICU, libstdc++, libc), through
# dpkg-shlibdeps.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS OFF)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "chromium | google-chrome-stable | microsoft-edge-stable | firefox-esr | firefox")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  "${PROJECT_SOURCE_DIR}/installer/debian/postinst"
  "${PROJECT_SOURCE_DIR}/installer/debian/prerm"
  "${PROJECT_SOURCE_DIR}/installer/debian/postrm")
# Maintainer scripts 0755, other control files 0644, whatever the checkout's modes.
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)

include(CPack)
