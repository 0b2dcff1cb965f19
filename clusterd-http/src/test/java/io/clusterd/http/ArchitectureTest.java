package io.clusterd.http;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dependency rules of the architecture, checked on the compiled classes of api, core and http: they point
 * down only, the engine's internals stay inside core, and the HTTP layer never blocks a server thread on a future.
 */
class ArchitectureTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.clusterd");
  }

  @Test
  void api_dependsOnTheJdkOnly() {
    noClasses().that().resideInAnyPackage("io.clusterd", "io.clusterd.spi")
        .should().dependOnClassesThat().resideOutsideOfPackages("java..", "io.clusterd", "io.clusterd.spi")
        .because("clusterd-api has no dependencies: a transport plugin needs nothing else")
        .check(classes);
  }

  @Test
  void core_neverSeesTheHttpLayerNorJavalin() {
    noClasses().that().resideInAPackage("io.clusterd.core..")
        .should().dependOnClassesThat().resideInAnyPackage("io.clusterd.http..", "io.javalin..", "org.eclipse.jetty..")
        .check(classes);
  }

  @Test
  void coreInternal_isUsedByCoreOnly() {
    noClasses().that().resideOutsideOfPackage("io.clusterd.core..")
        .should().dependOnClassesThat().resideInAPackage("io.clusterd.core.internal..")
        .because("io.clusterd.core.internal is not API")
        .check(classes);
  }

  @Test
  void guice_isNeededOnlyByTheGuicePackageOfCore() {
    noClasses().that().resideInAPackage("io.clusterd.core..").and().resideOutsideOfPackage("io.clusterd.core.guice")
        .should().dependOnClassesThat().resideInAnyPackage("com.google.inject..", "jakarta.inject..")
        .because("plain-Java embedders leave Guice out")
        .check(classes);
  }

  @Test
  void httpHandlers_neverWaitForAFuture() {
    noClasses().that().resideInAPackage("io.clusterd.http.internal..")
        .should().callMethod(CompletableFuture.class, "join")
        .orShould().callMethod(CompletableFuture.class, "get")
        .orShould().callMethod(CompletableFuture.class, "get", long.class, java.util.concurrent.TimeUnit.class)
        .orShould().callMethod(Future.class, "get")
        .because("handlers answer through ctx.future; a blocked Jetty thread serves nobody")
        .check(classes);
  }
}
