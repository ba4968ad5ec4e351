package io.socketdoctor.install.advice;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * An advice parameter bound, at transform time, to the lifecycle event a site reports on success
 * (a {@code Bridge} constant such as {@code CLOSED} or {@code SHUTDOWN_OUTPUT}).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface Kind {
}
