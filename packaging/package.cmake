# The Debian package (cpack -G DEB in a build configured with
# -DBAOSONG_PACKAGE=ON -DCMAKE_INSTALL_PREFIX=/usr): the seven programs,
# the web console, the baosong(1) man page made from `baosong help`, the
# systemd units (baosong@.service, one instance per service, and
# baosong.target), the default configuration /etc/baosong/baosong.conf and
# the maintainer scripts (the system user baosong, /var/lib/baosong).
# docs/DEPLOYMENT.md; tests/deploy/test_deb.sh installs it in a Debian root.
option (BAOSONG_PACKAGE "Build for the Debian package: read /etc/baosong/baosong.conf by default" OFF)
if (NOT BAOSONG_PACKAGE)
    return ()
endif ()
set (BAOSONG_SYSTEM_CONFIG /etc/baosong/baosong.conf)
target_compile_definitions (baosong_common PRIVATE BAOSONG_SYSTEM_CONFIG="${BAOSONG_SYSTEM_CONFIG}")

set (package_dir ${PROJECT_SOURCE_DIR}/packaging)
install (TARGETS baosong baosong-intake baosong-review baosong-publication baosong-statistics
                 baosong-gateway baosong-mail RUNTIME DESTINATION bin)
install (DIRECTORY ${PROJECT_SOURCE_DIR}/web/ DESTINATION share/baosong/web)
install (FILES ${package_dir}/baosong.conf DESTINATION /etc/baosong)
install (FILES ${package_dir}/baosong@.service ${package_dir}/baosong-keys.service
               ${package_dir}/baosong.target
         DESTINATION /lib/systemd/system)

# baosong(1) from the program's own help (the command list and each
# command's usage), so the page never disagrees with the program.
add_custom_command (OUTPUT ${PROJECT_BINARY_DIR}/baosong.1.gz
                    COMMAND sh ${package_dir}/man.sh $<TARGET_FILE:baosong> ${PROJECT_VERSION}
                            ${PROJECT_BINARY_DIR}/baosong.1
                    COMMAND gzip -9nf ${PROJECT_BINARY_DIR}/baosong.1
                    DEPENDS baosong ${package_dir}/man.sh)
add_custom_target (baosong_man ALL DEPENDS ${PROJECT_BINARY_DIR}/baosong.1.gz)
install (FILES ${PROJECT_BINARY_DIR}/baosong.1.gz DESTINATION share/man/man1)
install (FILES ${package_dir}/copyright DESTINATION share/doc/baosong)

# `cpack` installs the targets above only: it need not build the tests and
# benchmarks first (build the targets named in test_deb.sh, then cpack).
set (CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

set (CPACK_GENERATOR DEB)
set (CPACK_PACKAGE_NAME baosong)
set (CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set (CPACK_PACKAGE_CONTACT "baosong maintainers <baosong@localhost>")
set (CPACK_PACKAGE_DESCRIPTION_SUMMARY "information-reporting services (報送) on ZeroMQ and LMDB")
set (CPACK_DEBIAN_PACKAGE_DESCRIPTION
     "Reports from units by web, mail, phone and direct channels; review with\n critiques; numbered periodical issues; live statistics and rankings.\n Runs as systemd units (baosong.target) under the system user baosong.")
set (CPACK_DEBIAN_PACKAGE_SECTION net)
set (CPACK_STRIP_FILES ON)
set (CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# Library dependencies from the binaries (dpkg-shlibdeps); what they run
# beside: passwd for useradd, lmdb-utils (mdb_copy) for backups, tzdata for
# local dates. Recommended: systemd for the units (as Debian's packages
# with units do; the container image installs the package without it, and
# the programs run without it), the Chinese fonts for PDF issues.
set (CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set (CPACK_DEBIAN_PACKAGE_DEPENDS "passwd, lmdb-utils, tzdata")
set (CPACK_DEBIAN_PACKAGE_RECOMMENDS "systemd, fonts-noto-cjk")
set (CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
     ${package_dir}/debian/conffiles ${package_dir}/debian/postinst
     ${package_dir}/debian/prerm ${package_dir}/debian/postrm)
set (CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include (CPack)
