package io.hagent.agent.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HeartbeatLogTest {
  final AtomicLong clock = new AtomicLong();
  final ListAppender<ILoggingEvent> lines = new ListAppender<>();

  Logger logger() {
    LoggerContext context = new LoggerContext();
    lines.setContext(context);
    lines.start();
    Logger logger = context.getLogger("io.hagent.agent.ha");
    logger.addAppender(lines);
    return logger;
  }

  List<String> printed() {
    return lines.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
  }

  @Test
  void withoutDeduplicationEveryCycleIsPrinted() {
    HeartbeatLog log = new HeartbeatLog(logger(), false, Duration.ofMinutes(10), clock::get);
    for (int i = 0; i < 3; i++) {
      assertTrue(log.info("no action. I am (node1), the leader with the lock"));
      clock.addAndGet(Duration.ofSeconds(10).toNanos());
    }
    assertEquals(3, printed().size());
  }

  @Test
  void deduplicationPrintsChangesAndAReminder() {
    HeartbeatLog log = new HeartbeatLog(logger(), true, Duration.ofMinutes(10), clock::get);
    String leader = "no action. I am (node1), the leader with the lock";
    assertTrue(log.info(leader));
    for (int i = 0; i < 59; i++) { // 59 more cycles of 10 s: 9 min 50 s
      clock.addAndGet(Duration.ofSeconds(10).toNanos());
      assertFalse(log.info(leader));
    }
    clock.addAndGet(Duration.ofSeconds(10).toNanos()); // 10 min after the last printed line
    assertTrue(log.info(leader));
    String follower = "no action. I am (node1), a secondary, and following a leader (node2)";
    clock.addAndGet(Duration.ofSeconds(10).toNanos());
    assertTrue(log.info(follower));
    clock.addAndGet(Duration.ofSeconds(10).toNanos());
    assertTrue(log.info(leader), "a change back is printed too");
    assertEquals(List.of(leader, leader, follower, leader), printed());
  }

  @Test
  void aReloadCanTurnDeduplicationOffAndOn() {
    HeartbeatLog log = new HeartbeatLog(logger(), true, Duration.ofMinutes(10), clock::get);
    String leader = "no action. I am (node1), the leader with the lock";
    assertTrue(log.info(leader));
    assertFalse(log.info(leader));
    log.setDeduplicate(false);
    assertTrue(log.info(leader));
    assertTrue(log.info(leader));
    log.setDeduplicate(true);
    assertFalse(log.info(leader), "the line is still the last one printed");
    assertEquals(List.of(leader, leader, leader), printed());
  }

  @Test
  void readsTheSettingFromTheRawConfig() {
    assertTrue(HeartbeatLog.enabledIn(Map.of("log", Map.of("deduplicate_heartbeat_logs", true))));
    assertTrue(HeartbeatLog.enabledIn(Map.of("log", Map.of("deduplicate_heartbeat_logs", "on"))));
    assertTrue(HeartbeatLog.enabledIn(Map.of("log", Map.of("level", "INFO"))));
    assertTrue(HeartbeatLog.enabledIn(Map.of()));
    assertTrue(HeartbeatLog.enabledIn(null));
    assertFalse(HeartbeatLog.enabledIn(Map.of("log", Map.of("deduplicate_heartbeat_logs", false))));
  }
}
