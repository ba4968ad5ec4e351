package io.socketdoctor.install.advice;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * An advice parameter bound, at transform time, to the id of the hook site being instrumented.
 * The inlined code holds the id as a constant: nothing is looked up at run time.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface Site {
}
