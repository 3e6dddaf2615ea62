#ifndef _BAR_GBL_H
#define _BAR_GBL_H

/*
 * The module declares its globals here: the workqueue's extern goes here
 * too, not in bar_def.h, the first header every user includes.
 */
extern int bar_debug;
extern struct bar_dev *bar_default;

void bar_io_kick(struct bar_dev *dev);

#endif /* _BAR_GBL_H */
