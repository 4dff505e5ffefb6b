/* A stand-in for a libsecuresocket of another version, for the loaders'
 * version check (bindings/python/tests/test_packaging.py,
 * bindings/node/test/packaging.test.js): it exports only the two version
 * functions, as a library of another version may lack the rest. Build with
 *   cc -shared -fPIC -DFAKE_NUMBER=2000 -DFAKE_TEXT='"0.2.0"' -o fake.so fakeversion.c */
int ss_version_number(void) { return FAKE_NUMBER; }
const char *ss_version(void) { return FAKE_TEXT; }
