/**
 * The picocli commands: each parses its options, resolves the config and calls a stage; {@code pipeline}
 * calls the stages one after the other and {@code launch} starts the ranks of a data-parallel job. Layer:
 * commands. It may use every other package.
 */
package ldm4j.cli;
