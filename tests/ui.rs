//! Compile-time checks: every mistake `network!` catches has a case in `tests/ui/` with the exact
//! error rustc prints; the passing cases compile and run. Regenerate the expected output with
//! `TRYBUILD=overwrite cargo test --test ui` and read the diff before committing.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
    t.compile_fail("tests/ui/shape/*.rs");
    t.compile_fail("tests/ui/dropout/*.rs");
    t.compile_fail("tests/ui/names/*.rs");
    t.compile_fail("tests/ui/syntax/*.rs");
    t.compile_fail("tests/ui/args/*.rs");
    t.compile_fail("tests/ui/image/*.rs");
    t.compile_fail("tests/ui/sequence/*.rs");
    t.compile_fail("tests/ui/keras/*.rs");
    t.compile_fail("tests/ui/embed/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
