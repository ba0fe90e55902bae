/**
 * {@code ldm4j serve}: the web page and the JSON API over the JDK's HTTP server: a route table, request
 * guards (host, origin, token), a bounded job queue run by one worker, progress events and the images of
 * each job. Layer: tools. It may use its own layer ({@code report}, {@code bench}, {@code serve}) and every
 * layer above it, from the foundations to {@code sample}, {@code eval} and {@code LatentDiffusion}.
 */
package ldm4j.serve;
