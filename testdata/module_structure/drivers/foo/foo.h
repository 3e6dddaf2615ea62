#ifndef _FOO_H
#define _FOO_H

#ifdef CONFIG_FOO_SMBUS
int foo_smbus_module_init(void);
void foo_smbus_module_exit(void);
#else
static inline int foo_smbus_module_init(void)
{
	return 0;
}

static inline void foo_smbus_module_exit(void)
{
}
#endif

#endif /* _FOO_H */
