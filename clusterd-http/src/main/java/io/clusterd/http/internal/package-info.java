/**
 * Not API (the module does not export it): the REST API's handlers, one class per resource, registered in one
 * {@link io.clusterd.http.internal.RouteTable}; request bodies bound to records by the one shared mapper
 * ({@link io.clusterd.http.internal.Json}); one table from exceptions to answers
 * ({@link io.clusterd.http.internal.ErrorAnswers}); authentication, metrics, OpenAPI, the plugin loader and the
 * demo tree.
 */
package io.clusterd.http.internal;
