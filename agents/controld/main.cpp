// controld's entry point.
#include "controld_agent.h"

int main(int argc, char** argv)
{
    ocfkit::controld::ControldAgent agent;
    return ocfkit::run_agent(agent, argc, argv);
}
