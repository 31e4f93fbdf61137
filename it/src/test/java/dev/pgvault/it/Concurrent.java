package dev.pgvault.it;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * A test class that may run beside another one (it/pom.xml runs these two at a time, in two
 * JVMs, and every other class alone afterwards): it asserts no time, lag or rate bar that a busy
 * machine could break, and changes nothing machine-wide (packages, services). Its generous
 * waits only get slower. Classes without it run alone: the HA, etcd lease and WAL-receive bars,
 * and the Debian package's installation.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag(Concurrent.TAG)
@interface Concurrent {
    String TAG = "concurrent";
}
