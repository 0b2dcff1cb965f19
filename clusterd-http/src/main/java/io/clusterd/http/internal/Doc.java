package io.clusterd.http.internal;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * What a field of a request body record means, for the schema {@link OpenApi} generates from the record; fields
 * are optional unless {@code required}.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
@interface Doc {
  String value();

  boolean required() default false;
}
