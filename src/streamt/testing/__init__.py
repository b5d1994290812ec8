"""streamt.testing: data tests (schema, sample, continuous, unit) and their on_failure actions.

In: a loaded `Project` (assertions typed and checked at load, `streamt.load.assertions`) and, for
running, its `CompileResult` and the runtime's systems. Out: diagnostics (static checks) and `TestResult`s. Talks to Kafka,
the Schema Registry and Flink only through the adapters and `kafka_io`.

Public entry points (import the module, not this package, to keep `validate` light):
- `streamt.testing.check.check_tests(project, output_columns) -> list[Diagnostic]` (validate)
- `streamt.testing.session.run_project_tests(project, compiled, environ, options)` (streamt test)
- `streamt.testing.session.blocking_diagnostics(project, compiled, environ)` (apply: block_deploy)
- `streamt.testing.results.blocking_failures(results)`, `RunSummary`, `render_text`
- `streamt.testing.junit.to_junit_xml(results, project)`
"""
