# The two commands of the README's quick start. Everything else lives in scripts/ and CMake.
.PHONY: run test

# Let ccache reuse objects across checkouts in different folders (paths are made relative).
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := true

# Install what is missing, build, and start the HTTPS gateway with the embedded defaults (and a
# default model when none is configured: scripts/default-model).
run:
	scripts/setup
	scripts/default-model
	./build/ward serve

# Install what is missing, build, and run the unit tests twice: as built for release, and under
# AddressSanitizer + UndefinedBehaviorSanitizer.
test:
	scripts/setup
	cmake --preset asan >/dev/null
	cmake --build --preset asan
	ctest --preset default
	ctest --preset asan
