package io.clusterd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FanOutResultTest {
  private static InstanceOutcome ok(String id) {
    return InstanceOutcome.success(id, "mem://" + id, 1);
  }

  private static InstanceOutcome failed(String id, ErrorCode code, int status) {
    return new InstanceOutcome(id, "mem://" + id, status, Optional.of(Conflict.of(code, "failed", Map.of())), 1);
  }

  @Test
  void of_empty_is200WithTotalZero() {
    FanOutResult r = FanOutResult.of(List.of());
    assertEquals(200, r.status());
    assertEquals(new FanOutResult.Summary(0, 0, 0), r.summary());
  }

  @Test
  void of_allSucceeded_is200() {
    assertEquals(200, FanOutResult.of(List.of(ok("a"), ok("b"))).status());
  }

  @Test
  void of_allSameInstanceError_isThatStatus() {
    FanOutResult r = FanOutResult.of(List.of(failed("a", ErrorCode.INSTANCE_ERROR, 400),
        failed("b", ErrorCode.INSTANCE_ERROR, 400)));
    assertEquals(400, r.status());
    assertEquals(new FanOutResult.Summary(2, 0, 2), r.summary());
  }

  @Test
  void of_noneReached_is502() {
    assertEquals(502, FanOutResult.of(List.of(failed("a", ErrorCode.INSTANCE_UNREACHABLE, 502),
        failed("b", ErrorCode.INSTANCE_TIMEOUT, 504))).status());
  }

  @Test
  void of_mixed_is207() {
    assertEquals(207, FanOutResult.of(List.of(ok("a"), failed("b", ErrorCode.INSTANCE_UNREACHABLE, 502))).status());
    assertEquals(207, FanOutResult.of(List.of(failed("a", ErrorCode.INSTANCE_ERROR, 400),
        failed("b", ErrorCode.INSTANCE_ERROR, 500))).status());
  }
}
