package io.clusterd.core.internal;

import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;

/** The tree behind its lock: writers (commits and edits) one at a time, readers together and never behind a send. */
public final class GuardedTree {
  private final Tree tree;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

  public GuardedTree(Tree tree) {
    this.tree = tree;
  }

  public <T> T read(Function<Tree, T> read) {
    lock.readLock().lock();
    try {
      return read.apply(tree);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Runs {@code write} alone; it may read and edit the tree. */
  public <T> T write(Function<Tree, T> write) {
    lock.writeLock().lock();
    try {
      return write.apply(tree);
    } finally {
      lock.writeLock().unlock();
    }
  }
}
