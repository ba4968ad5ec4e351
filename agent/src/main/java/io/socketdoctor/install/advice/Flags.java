package io.socketdoctor.install.advice;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * An advice parameter bound, at transform time, to a library site's flags
 * ({@code LibraryBridge.CACHED}, {@code CREATED}): a constant in the inlined code.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface Flags {
}
